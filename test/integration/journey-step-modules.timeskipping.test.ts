// Each step module and guard of the journey interpreter (workflows/steps/, workflows/guards/),
// on the time-skipping server with stubbed activities: no database and no receiver, so each
// test runs in a second or two of wall time whatever the workflow time it covers.
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import type { Activities } from '../../activities';
import { TOOL_PATHS } from '../../src/embedded/tools';
import { addSearchAttributes } from '../../src/temporal/connect';
import { journeyStart } from '../../src/temporal/journeys';
import { eventSignal, journey, resumeSignal, type JourneyResult } from '../../workflows';
import { stack, uniqueId } from '../support/stack';
import { campaign, event } from '../support/time-skipping';
import { WORKFLOW_SANDBOX_OPTIONS } from '../../src/worker';

const DAY_MS = 86_400_000;

/** What the stubs answer; each test changes what it needs. */
interface Answers {
  status: string;
  properties: Record<string, unknown>;
  response: { status: number; headers: Record<string, string>; body: unknown };
  failWebhook: boolean;
  /** The entry's first attempt asks to be tried again after this long. */
  firstAttemptAgainMs?: number;
}

describe('journey step modules (time-skipping server, stubbed activities)', function () {
  let env: TestWorkflowEnvironment;
  let answers: Answers;
  /** The step ids whose webhooks were prepared, in order. */
  let prepared: string[];
  let failedMarks: number;

  const stubs = {
    checkAudience: async () => true,
    // Admitted, with the first webhook's check when the journey asks for it (checkSendAndPrepare's stub).
    enterAndCheck: async (input: { firstSend?: { at: number; delivery: { key: { stepId: string } } } }) => ({
      inAudience: true,
      admitted: true,
      ...(input.firstSend && { firstSend: await stubs.checkSendAndPrepare(input.firstSend) }),
    }),
    // The same entry making the first webhook's first attempt (deliverWebhook's stub) when the check stored it.
    enterAndSend: async (input: {
      firstSend: { at: number; delivery: { key: { stepId: string } } };
      endsOnSuccess: boolean;
    }) => {
      const entry = await stubs.enterAndCheck(input);
      if (entry.firstSend?.prepared !== 'stored') return entry;
      const againMs = answers.firstAttemptAgainMs;
      if (againMs !== undefined) return { ...entry, attempt: { kind: 'again', afterMs: againMs } };
      if (answers.failWebhook) return { ...entry, attempt: { kind: 'failed', error: 'answered 400' } };
      return { ...entry, attempt: { kind: 'sent', response: answers.response, ended: input.endsOnSuccess } };
    },
    admitJourney: async () => ({ admitted: true }),
    journeyEnded: async () => undefined,
    countJourneyFact: async () => undefined,
    recordConversion: async () => undefined,
    campaignStatus: async () => answers.status,
    planSend: async (input: { at: number }) => ({ zone: 'UTC', sendAt: input.at, caps: [] }),
    reserveSend: async () => ({ granted: true }),
    // The plan and reservation are only read while the campaign lets the journey send.
    checkSend: async (input: { at: number }) => ({
      status: answers.status,
      plan: { zone: 'UTC', sendAt: input.at, caps: [] },
      verdict: { granted: true },
    }),
    // The same check storing the delivery (prepareWebhook's stub) when it lets the webhook go out.
    checkSendAndPrepare: async (input: { at: number; delivery: { key: { stepId: string } } }) => {
      if (answers.status !== 'active') return { status: answers.status };
      prepared.push(input.delivery.key.stepId);
      return {
        status: answers.status,
        plan: { zone: 'UTC', sendAt: input.at, caps: [] },
        verdict: { granted: true },
        prepared: 'stored',
      };
    },
    releaseSend: async () => undefined,
    userTimeZone: async () => ({ zone: 'UTC' }),
    loadUserProperties: async () => answers.properties,
    chooseBranch: async () => -1,
    prepareWebhook: async (input: { key: { stepId: string } }) => void prepared.push(input.key.stepId),
    deliverWebhook: async () => {
      if (answers.failWebhook) throw ApplicationFailure.nonRetryable('answered 400', 'WebhookRejected');
      return answers.response;
    },
    markDeliveryFailed: async () => void (failedMarks += 1),
  } satisfies Partial<Record<keyof Activities, unknown>>;

  before(async function () {
    this.timeout(120_000);
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: TOOL_PATHS.temporalTestServer } },
    });
    await addSearchAttributes(env.client, 'default');
  });

  after(async function () {
    await env?.teardown();
  });

  beforeEach(function () {
    answers = {
      status: 'active',
      properties: {},
      response: { status: 200, headers: {}, body: { ok: true } },
      failWebhook: false,
    };
    prepared = [];
    failedMarks = 0;
  });

  /** Runs one journey of `steps` to its end; `during` acts on it meanwhile (signals, time). */
  async function runJourney(
    steps: unknown[],
    during?: (handle: WorkflowHandle<typeof journey>) => Promise<void>,
    extra = {},
  ) {
    const taskQueue = uniqueId('stubbed');
    const definition = campaign({ id: uniqueId('steps'), name: 'Steps', trigger: { event: 'go' }, steps, ...extra });
    const userId = uniqueId('user');
    const start = () =>
      env.client.workflow.start(journey, {
        taskQueue,
        workflowId: uniqueId('journey'),
        ...journeyStart(definition, event(userId, 'go')),
      });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: stack().workflowBundle,
      ...WORKFLOW_SANDBOX_OPTIONS,
      activities: stubs,
    });
    const startedAt = await env.currentTimeMs();
    const result: JourneyResult = await worker.runUntil(async () => {
      const handle = await start();
      await during?.(handle);
      return handle.result();
    });
    return { result, elapsed: (await env.currentTimeMs()) - startedAt, userId };
  }

  const webhook = (id: string, extra: object = {}) => ({
    id,
    type: 'webhook',
    request: { url: `https://example.com/${id}` },
    ...extra,
  });

  it('delay: waits its duration, then goes on', async function () {
    const { result, elapsed } = await runJourney([{ id: 'wait', type: 'delay', duration: '3d' }, webhook('after')]);
    assert.deepEqual(result, { outcome: 'completed' });
    assert.ok(elapsed >= 3 * DAY_MS, `waited ${elapsed} ms`);
    assert.deepEqual(prepared, ['after']);
  });

  it('webhook: a saved response is read by a later branch; a failed one takes its onFailure path', async function () {
    answers.response = { status: 201, headers: {}, body: { tier: 'gold' } };
    const saved = await runJourney([
      webhook('ask', { saveResponse: true }),
      {
        id: 'route',
        type: 'branch',
        cases: [{ when: { field: 'steps.ask.response.body.tier', op: 'eq', value: 'gold' }, next: 'gold' }],
        default: 'plain',
      },
      webhook('gold', { next: 'end' }),
      webhook('plain'),
      { id: 'end', type: 'exit', reason: 'done' },
    ]);
    assert.deepEqual(saved.result, { outcome: 'exited', step: 'end', reason: 'done' });
    assert.deepEqual(prepared, ['ask', 'gold']);

    prepared = [];
    answers.failWebhook = true;
    const failed = await runJourney([webhook('first', { onFailure: 'exit' }), webhook('never')]);
    assert.deepEqual(failed.result, { outcome: 'webhookFailed', step: 'first' });
    assert.deepEqual(prepared, ['first']);
    assert.equal(failedMarks, 1, 'the delivery is marked failed');
  });

  it('webhook: a first attempt that asks for another is tried again after the delay it asked for', async function () {
    answers.firstAttemptAgainMs = 2 * DAY_MS;
    const { result, elapsed } = await runJourney([webhook('only')]);
    assert.deepEqual(result, { outcome: 'completed' });
    assert.ok(elapsed >= 2 * DAY_MS, `tried again after ${elapsed} ms`);
    assert.equal(failedMarks, 0);
  });

  it('waitForEvent: a matching event takes onEvent; none within the timeout takes onTimeout', async function () {
    const steps = [
      { id: 'wait', type: 'waitForEvent', event: 'paid', timeout: '2d', onEvent: 'thanks', onTimeout: 'remind' },
      webhook('thanks', { next: 'end' }),
      webhook('remind'),
      { id: 'end', type: 'exit' },
    ];
    const answered = await runJourney(steps, async (handle) => {
      await env.sleep('1d');
      await handle.signal(eventSignal, event('someone', 'paid'));
    });
    assert.equal(answered.result.outcome, 'exited');
    assert.deepEqual(prepared, ['thanks']);

    prepared = [];
    const timedOut = await runJourney(steps);
    assert.deepEqual(timedOut.result, { outcome: 'exited', step: 'end', reason: 'exit' });
    assert.ok(timedOut.elapsed >= 2 * DAY_MS);
    assert.deepEqual(prepared, ['remind']);
  });

  it('branch: the first case that holds on the profile names the next step, else the default', async function () {
    const steps = [
      {
        id: 'plan',
        type: 'branch',
        cases: [{ when: { field: 'user.properties.plan', op: 'eq', value: 'pro' }, next: 'pro' }],
        default: 'free',
      },
      webhook('pro', { next: 'end' }),
      webhook('free'),
      { id: 'end', type: 'exit' },
    ];
    answers.properties = { plan: 'pro' };
    await runJourney(steps);
    answers.properties = { plan: 'basic' };
    await runJourney(steps);
    assert.deepEqual(prepared, ['pro', 'free']);
  });

  it('exit: ends the journey with its reason, skipping the steps after it', async function () {
    const steps = [
      {
        id: 'plan',
        type: 'branch',
        cases: [{ when: { field: 'user.properties.plan', op: 'eq', value: 'pro' }, next: 'stop' }],
        default: 'free',
      },
      webhook('free'),
      { id: 'stop', type: 'exit', reason: 'not_needed' },
    ];
    answers.properties = { plan: 'pro' };
    const { result } = await runJourney(steps);
    assert.deepEqual(result, { outcome: 'exited', step: 'stop', reason: 'not_needed' });
    assert.deepEqual(prepared, []);
  });

  it('guards: an exit event ends a long delay at once; a paused campaign holds the webhook until resumed; an archived one ends it', async function () {
    const exited = await runJourney(
      [{ id: 'wait', type: 'delay', duration: '7d' }, webhook('never')],
      async (handle) => {
        await env.sleep('1d');
        await handle.signal(eventSignal, event('someone', 'unsubscribed'));
      },
      { exitOn: [{ event: 'unsubscribed' }] },
    );
    assert.deepEqual(exited.result, { outcome: 'exited', reason: 'event:unsubscribed' });
    assert.deepEqual(prepared, [], 'the webhook after the delay never went out');

    answers.status = 'paused';
    const held = await runJourney([webhook('held')], async (handle) => {
      await env.sleep('1h');
      assert.deepEqual(prepared, [], 'nothing sent while paused');
      answers.status = 'active';
      await handle.signal(resumeSignal);
    });
    assert.deepEqual(held.result, { outcome: 'completed' });
    assert.deepEqual(prepared, ['held']);

    prepared = [];
    answers.status = 'archived';
    const archived = await runJourney([webhook('never')]);
    assert.deepEqual(archived.result, { outcome: 'exited', reason: 'campaign archived' });
    assert.deepEqual(prepared, []);
  });

  it('goal: an event matching the goal within its window ends the journey as goalReached', async function () {
    const { result } = await runJourney(
      [{ id: 'wait', type: 'delay', duration: '5d' }, webhook('never')],
      async (handle) => {
        await env.sleep('1d');
        await handle.signal(eventSignal, event('someone', 'purchased'));
      },
      { goal: { event: 'purchased', within: '3d' } },
    );
    assert.deepEqual(result, { outcome: 'goalReached', reason: 'event:purchased' });
    assert.deepEqual(prepared, []);
  });
});

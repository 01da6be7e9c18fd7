// Long retry waits on Temporal's time-skipping server: a one-hour Retry-After and the default
// schedule of more than a day pass in seconds of wall-clock time.
import assert from 'node:assert/strict';
import { destinationCreateSchema } from '../../src/domain/destination';
import { Receiver, type ScriptedAnswer } from '../support/receiver';
import { uniqueId } from '../support/stack';
import { campaign, startTimeSkipping, type TimeSkipping } from '../support/time-skipping';

const HOUR_MS = 3_600_000;

describe('webhook retry waits (time-skipping server)', function () {
  let ts: TimeSkipping;
  let receiver: Receiver;

  before(async function () {
    this.timeout(120_000);
    ts = await startTimeSkipping();
  });

  after(async function () {
    await ts?.teardown();
  });

  beforeEach(async function () {
    receiver = await Receiver.start();
  });

  afterEach(async function () {
    await receiver.close();
  });

  /**
   * Runs one journey whose only step posts to a new destination with the default retry
   * schedule, the receiver answering `answers`; returns its result and the workflow time it took.
   */
  async function runJourney(...answers: ScriptedAnswer[]) {
    receiver.answerWith(...answers);
    const destination = uniqueId('dest');
    await ts.repositories.destinations.create(
      destinationCreateSchema.parse({ id: destination, name: 'Receiver', url: receiver.url }),
    );
    const definition = campaign({
      id: uniqueId('campaign'),
      name: 'Retry waits',
      trigger: { event: 'signed_up' },
      steps: [{ id: 'hook', type: 'webhook', request: { destination, path: '/hook', body: { user: '{{user.id}}' } } }],
    });
    const startedAt = await ts.env.currentTimeMs();
    const wallStart = Date.now();
    const result = await ts.run(async () => (await ts.startJourney(definition, uniqueId('user'))).result());
    assert.ok(Date.now() - wallStart < 60_000, 'the waits pass in workflow time, not on the wall clock');
    return { result, elapsedMs: (await ts.env.currentTimeMs()) - startedAt };
  }

  it('waits the hour a 429 asks for in Retry-After, then delivers', async function () {
    const { result, elapsedMs } = await runJourney(
      { status: 429, headers: { 'retry-after': '3600' } },
      { status: 200 },
    );
    assert.equal(result.outcome, 'completed');
    assert.ok(elapsedMs >= HOUR_MS, `the retry waited ${elapsedMs / 1000} s of workflow time, not the hour asked for`);
    assert.equal(receiver.requests.length, 2);
    assert.equal(receiver.requests[0].headers['webhook-id'], receiver.requests[1].headers['webhook-id']);
  });

  it('gives up on a receiver answering 503 forever after 8 attempts spread over more than a day', async function () {
    const { result, elapsedMs } = await runJourney({ status: 503 });
    assert.equal(result.outcome, 'webhookFailed');
    assert.equal(receiver.requests.length, 8);
    assert.ok(elapsedMs > 24 * HOUR_MS, `the schedule spanned only ${elapsedMs / HOUR_MS} h of workflow time`);
    const delivery = await ts.repositories.deliveries.get(String(receiver.requests[0].headers['webhook-id']));
    assert.equal(delivery?.status, 'failed');
    assert.deepEqual(
      delivery?.attempts.map((a) => a.status),
      Array(8).fill(503),
    );
  });
});

// Journey rules over days and weeks of workflow time, on the time-skipping server: long
// delays, local times of day, dates from profiles, goals, re-entry, continue-as-new.
import { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { eventSignal, journey, stateQuery } from '../../workflows';
import { journeyStart } from '../../src/temporal/journeys';
import { uniqueId } from '../support/stack';
import { campaign, event, timeSkippingSuite } from '../support/time-skipping';

const DAY_MS = 86_400_000;

function localTime(ms: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
}

describe('journey rules (time-skipping server)', function () {
  const suite = timeSkippingSuite();

  const webhook = (id: string, body: unknown = {}) => ({
    id,
    type: 'webhook',
    request: { url: `${suite.receiver.url}/${id}`, body },
  });
  const paths = () => suite.receiver.requests.map((r) => r.path);
  const base = (extra: object) => ({ id: uniqueId('rules'), name: 'Rules', trigger: { event: 'signed_up' }, ...extra });

  /** Runs one journey to its end; returns its result and how long it ran in workflow time. */
  async function runToEnd(definition: ReturnType<typeof campaign>, userId = uniqueId('user')) {
    return suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      const result = await handle.result();
      const { startTime, closeTime } = await handle.describe();
      return { result, startedAt: startTime.getTime(), closedAt: closeTime!.getTime() };
    });
  }

  it('a 30-day delay passes, then the webhook is sent', async function () {
    const { result, startedAt, closedAt } = await runToEnd(
      campaign(base({ steps: [{ id: 'wait', type: 'delay', duration: '30d' }, webhook('late')] })),
    );
    assert.equal(result.outcome, 'completed');
    assert.ok(closedAt - startedAt >= 30 * DAY_MS);
    assert.deepEqual(paths(), ['/late']);
  });

  it("a delay until 09:00 waits for 09:00 in the time zone of the user's profile", async function () {
    const userId = uniqueId('user');
    await suite.ts.repositories.profiles.merge([{ userId, properties: { tz: 'Asia/Seoul' }, seenAt: new Date() }]);
    const definition = campaign(
      base({
        timeZone: { property: 'tz', default: 'America/New_York' },
        steps: [{ id: 'morning', type: 'delay', until: '09:00' }, webhook('hello')],
      }),
    );
    const { closedAt, startedAt } = await runToEnd(definition, userId);
    assert.equal(localTime(closedAt, 'Asia/Seoul'), '09:00');
    assert.ok(closedAt - startedAt <= DAY_MS);
    assert.deepEqual(paths(), ['/hello']);
  });

  it('an invalid zone in the profile falls back to the campaign default', async function () {
    const userId = uniqueId('user');
    await suite.ts.repositories.profiles.merge([{ userId, properties: { tz: 'Mars/Olympus' }, seenAt: new Date() }]);
    const definition = campaign(
      base({
        timeZone: { property: 'tz', default: 'America/New_York' },
        steps: [{ id: 'morning', type: 'delay', until: '07:30', weekdays: ['mon'] }, webhook('hello')],
      }),
    );
    const { closedAt } = await runToEnd(definition, userId);
    assert.equal(localTime(closedAt, 'America/New_York'), '07:30');
    assert.equal(
      new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'short' }).format(new Date(closedAt)),
      'Mon',
    );
  });

  it('a delay until a date in the profile, with an offset, waits until then', async function () {
    const userId = uniqueId('user');
    const renewal = (await suite.ts.env.currentTimeMs()) + 10 * DAY_MS;
    await suite.ts.repositories.profiles.merge([
      { userId, properties: { renewsAt: new Date(renewal).toISOString() }, seenAt: new Date() },
    ]);
    const definition = campaign(
      base({
        steps: [
          { id: 'before', type: 'delay', untilField: 'user.properties.renewsAt', offset: '-3d' },
          webhook('reminder'),
        ],
      }),
    );
    const { closedAt } = await runToEnd(definition, userId);
    assert.ok(Math.abs(closedAt - (renewal - 3 * DAY_MS)) < 60_000, 'sent three days before the renewal');
  });

  it('a delay until a date in the profile, without an offset, waits until that date', async function () {
    const userId = uniqueId('user');
    const due = (await suite.ts.env.currentTimeMs()) + 5 * DAY_MS;
    await suite.ts.repositories.profiles.merge([
      { userId, properties: { dueAt: new Date(due).toISOString() }, seenAt: new Date() },
    ]);
    const definition = campaign(
      base({ steps: [{ id: 'until-due', type: 'delay', untilField: 'user.properties.dueAt' }, webhook('due')] }),
    );
    const { closedAt } = await runToEnd(definition, userId);
    assert.ok(Math.abs(closedAt - due) < 60_000, 'sent when the date came, not at once');
  });

  it('a goal reached within its window ends the journey and counts one conversion', async function () {
    const userId = uniqueId('user');
    const definition = campaign(
      base({
        goal: { event: 'purchase', within: '7d' },
        steps: [webhook('offer'), { id: 'wait', type: 'delay', duration: '3d' }, webhook('reminder')],
      }),
    );
    const result = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      await suite.ts.env.sleep('1d');
      await handle.signal(eventSignal, event(userId, 'purchase'));
      return handle.result();
    });
    assert.deepEqual(result, { outcome: 'goalReached', reason: 'event:purchase' });
    assert.deepEqual(paths(), ['/offer']);
    assert.equal(await suite.ts.repositories.journeys.countConversions(definition.id), 1);
  });

  it('a journey stays open for its conversion window after its last step, and a goal after the window does not count', async function () {
    const definition = campaign(
      base({ goal: { event: 'purchase', within: '2d', exit: false }, steps: [webhook('offer')] }),
    );
    const [converted, missed] = [uniqueId('user'), uniqueId('user')];
    await suite.ts.run(async () => {
      const first = await suite.ts.startJourney(definition, converted);
      const second = await suite.ts.startJourney(definition, missed);
      await suite.ts.env.sleep('1d');
      await first.signal(eventSignal, event(converted, 'purchase'));
      assert.equal((await first.result()).outcome, 'goalReached');
      await suite.ts.env.sleep('2d');
      assert.equal((await second.result()).outcome, 'completed');
    });
    assert.equal(await suite.ts.repositories.journeys.countConversions(definition.id), 1);
  });

  /**
   * Runs the journey of this campaign for the user under one fixed workflow id, as the
   * gateway does. Waits through a plain client: the test environment's own client lets the
   * server skip time while it waits, which would blur the cooldown being tested.
   */
  async function enter(definition: ReturnType<typeof campaign>, userId: string, workflowId: string) {
    const handle = await new Client({ connection: suite.ts.env.connection }).workflow.start(journey, {
      taskQueue: suite.ts.taskQueue,
      workflowId,
      ...journeyStart(definition, event(userId, 'signed_up')),
    });
    return handle.result();
  }

  it('re-entry "once": a user who finished never enters again', async function () {
    const definition = campaign(base({ reentry: { mode: 'once' }, steps: [webhook('welcome')] }));
    const [userId, id] = [uniqueId('user'), uniqueId('journey')];
    const [first, second] = await suite.ts.run(async () => [
      await enter(definition, userId, id),
      await enter(definition, userId, id),
    ]);
    assert.equal(first.outcome, 'completed');
    assert.deepEqual(second, { outcome: 'notAdmitted', reason: 'already entered once' });
    assert.deepEqual(paths(), ['/welcome']);
  });

  it('re-entry after completion with a cooldown: refused during the cooldown, admitted after it', async function () {
    const definition = campaign(
      base({ reentry: { mode: 'afterCompletion', cooldown: '1d' }, steps: [webhook('welcome')] }),
    );
    const [userId, id] = [uniqueId('user'), uniqueId('journey')];
    const outcomes = await suite.ts.run(async () => {
      const first = await enter(definition, userId, id);
      const early = await enter(definition, userId, id);
      await suite.ts.env.sleep('25h');
      const later = await enter(definition, userId, id);
      return [first.outcome, early.outcome, later.outcome];
    });
    assert.deepEqual(outcomes, ['completed', 'notAdmitted', 'completed']);
    assert.deepEqual(paths(), ['/welcome', '/welcome']);
  });

  it('continues as new when its history grows long, keeping its step, its de-duplication and its behaviour', async function () {
    this.timeout(120_000);
    const userId = uniqueId('user');
    const definition = campaign(
      base({
        steps: [
          { id: 'idle', type: 'waitForEvent', event: 'login', timeout: '7d', onEvent: 'idle', onTimeout: 'push' },
          webhook('push'),
        ],
      }),
    );
    // Enough events to pass the journey's history limit of 2,000.
    const logins = Array.from({ length: 2_100 }, () => event(userId, 'login'));
    await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      const firstRun = (await handle.describe()).runId;
      for (let i = 0; i < logins.length; i += 50)
        await Promise.all(logins.slice(i, i + 50).map((login) => handle.signal(eventSignal, login)));
      await suite.ts.env.sleep('1d');
      const continued = await handle.describe();
      assert.notEqual(continued.runId, firstRun, 'the journey continued as a new run');
      const before = await handle.query(stateQuery);
      assert.equal(before.currentStep, 'idle');
      // A repeat of an event the first run saw is still ignored; a new event is not.
      await handle.signal(eventSignal, logins[logins.length - 1]);
      await handle.signal(eventSignal, event(userId, 'page_viewed'));
      assert.equal((await handle.query(stateQuery)).eventsReceived, before.eventsReceived + 1);
      assert.equal((await handle.result()).outcome, 'completed');
      assert.deepEqual(paths(), ['/push']);
    });
  });
});

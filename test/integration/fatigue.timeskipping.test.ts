// Frequency caps, quiet hours and send windows in journeys, on the time-skipping server:
// holds of hours and days pass in seconds, with real activities, FerretDB and a receiver.
import assert from 'node:assert/strict';
import type { Settings } from '../../src/domain/settings';
import { stateQuery, type JourneyState } from '../../workflows';
import { JOURNEY_STATE } from '../../workflows/search-attributes';
import { eventually, uniqueId } from '../support/stack';
import { campaign, timeSkippingSuite } from '../support/time-skipping';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ONE_PER_DAY: Partial<Settings> = { caps: [{ max: 1, window: '24h' }] };

function localTime(ms: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
}

describe('frequency caps, quiet hours and send windows in journeys (time-skipping server)', function () {
  const suite = timeSkippingSuite();

  const webhook = (id: string) => ({
    id,
    type: 'webhook',
    request: { url: `${suite.receiver.url}/${id}`, body: { user: '{{user.id}}' } },
  });
  const paths = () => suite.receiver.requests.map((r) => r.path);
  const define = (extra: object) =>
    campaign({ id: uniqueId('fatigue'), name: 'Fatigue', trigger: { event: 'signed_up' }, ...extra });
  const useSettings = (settings: Partial<Settings>) =>
    suite.ts.repositories.settings.put({ caps: [], timeZone: 'UTC', ...settings });

  type Handle = Awaited<ReturnType<typeof suite.ts.startJourney>>;
  /** Lets workflow time pass in steps until the journey's state shows a hold. */
  async function heldState(handle: Handle, what: RegExp): Promise<JourneyState> {
    return eventually(async () => {
      const state = await handle.query(stateQuery);
      if (what.test(state.waitingFor ?? '')) return state;
      await suite.ts.env.sleep('20m');
      return undefined;
    }, 60_000);
  }

  /**
   * Waits, without letting time skip, for a journey that needs no timer to finish: awaiting
   * result() lets the server skip years ahead once the journey is done, and the next journey
   * would then run long after the first one's send.
   */
  async function finished(handle: Handle): Promise<string> {
    return eventually(async () => {
      const { status } = await handle.describe();
      return status.name === 'RUNNING' ? undefined : status.name;
    });
  }

  /** One journey of a first campaign sends its webhook; then a second campaign meets the cap of 1 per 24 hours. */
  async function afterFirstSend(
    second: ReturnType<typeof campaign>,
    during?: (handle: Handle, sentAt: number) => Promise<void>,
  ) {
    await useSettings(ONE_PER_DAY);
    const userId = uniqueId('user');
    return suite.ts.run(async () => {
      const first = await suite.ts.startJourney(define({ steps: [webhook('first')] }), userId);
      assert.equal(await finished(first), 'COMPLETED');
      const sentAt = (await first.describe()).closeTime!.getTime();
      const handle = await suite.ts.startJourney(second, userId);
      await during?.(handle, sentAt);
      const result = await handle.result();
      return { result, sentAt, closedAt: (await handle.describe()).closeTime!.getTime() };
    });
  }

  it('skip (the default): a capped webhook is skipped and the journey goes on to the next step', async function () {
    const { result } = await afterFirstSend(
      define({ steps: [webhook('promo'), { id: 'later', type: 'delay', duration: '2d' }, webhook('followup')] }),
    );
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(
      paths(),
      ['/first', '/followup'],
      'the promo was skipped; two days later the follow-up had a slot',
    );
  });

  it('wait: the webhook is held until the first send leaves the 24-hour window, visibly', async function () {
    const { result, sentAt, closedAt } = await afterFirstSend(
      define({ onCapped: 'wait', steps: [webhook('promo')] }),
      async (handle, firstAt) => {
        const state = await heldState(handle, /^frequency cap/);
        assert.match(state.waitingFor!, /^frequency cap \(global: 1 per 24h\) until /);
        const until = Date.parse(state.waitingFor!.split(' until ')[1]);
        assert.ok(
          Math.abs(until - (firstAt + DAY_MS)) < 5 * 60_000,
          `held until a day after the first send: ${state.waitingFor}`,
        );
        assert.equal((await handle.describe()).typedSearchAttributes.get(JOURNEY_STATE), 'held');
        assert.deepEqual(paths(), ['/first']);
      },
    );
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(paths(), ['/first', '/promo']);
    assert.ok(
      closedAt - sentAt >= DAY_MS - 60_000 && closedAt - sentAt < DAY_MS + HOUR_MS,
      `sent once the window freed, ${closedAt - sentAt} ms after the first send`,
    );
  });

  it('exit: a capped webhook ends the journey with the reason "capped"', async function () {
    const { result } = await afterFirstSend(define({ onCapped: 'exit', steps: [webhook('promo'), webhook('never')] }));
    assert.deepEqual(result, { outcome: 'exited', step: 'promo', reason: 'capped' });
    assert.deepEqual(paths(), ['/first']);
  });

  it('an exempt (transactional) campaign still sends, and is not counted', async function () {
    const { result } = await afterFirstSend(
      define({ capExempt: true, steps: [webhook('receipt'), webhook('shipped')] }),
    );
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(paths(), ['/first', '/receipt', '/shipped']);
  });

  it("a tag-scoped cap counts only campaigns carrying the tag; a campaign's own cap counts its own sends", async function () {
    await useSettings({ caps: [{ max: 1, window: '24h', tag: 'channel:sms' }] });
    const userId = uniqueId('user');
    const sms = define({ tags: ['channel:sms'], steps: [webhook('sms')] });
    const push = define({
      caps: [{ max: 2, window: '7d' }],
      steps: [webhook('push1'), webhook('push2'), webhook('push3')],
    });
    const results = await suite.ts.run(async () => {
      const outcomes = [];
      for (const definition of [sms, push, { ...sms, id: uniqueId('sms2') }])
        outcomes.push(await finished(await suite.ts.startJourney(definition, userId)));
      return outcomes;
    });
    assert.deepEqual(results, ['COMPLETED', 'COMPLETED', 'COMPLETED']);
    assert.deepEqual(paths(), ['/sms', '/push1', '/push2'], 'the third push and the second SMS campaign were capped');
  });

  it('a webhook that finally fails gives its slot back', async function () {
    await useSettings(ONE_PER_DAY);
    const userId = uniqueId('user');
    suite.receiver.answerWith({ status: 400 }, { status: 200 });
    const outcomes = await suite.ts.run(async () => {
      const failed = await suite.ts.startJourney(define({ steps: [webhook('rejected')] }), userId);
      await finished(failed);
      return [
        (await failed.result()).outcome,
        (await (await suite.ts.startJourney(define({ onCapped: 'exit', steps: [webhook('promo')] }), userId)).result())
          .outcome,
      ];
    });
    assert.deepEqual(outcomes, ['webhookFailed', 'completed']);
    assert.deepEqual(paths(), ['/rejected', '/promo']);
  });

  it('a webhook whose template fails when the check stores it gives its slot back', async function () {
    await useSettings(ONE_PER_DAY);
    const userId = uniqueId('user');
    const broken = {
      id: 'broken',
      type: 'webhook',
      request: { url: `${suite.receiver.url}/broken`, body: { phone: '{{user.properties.phone}}' } },
    };
    const outcomes = await suite.ts.run(async () => {
      const failed = await suite.ts.startJourney(define({ steps: [broken] }), userId);
      await finished(failed);
      return [
        (await failed.result()).outcome,
        (await (await suite.ts.startJourney(define({ onCapped: 'exit', steps: [webhook('promo')] }), userId)).result())
          .outcome,
      ];
    });
    assert.deepEqual(outcomes, ['webhookFailed', 'completed'], 'the profile has no phone: nothing was sent');
    assert.deepEqual(paths(), ['/promo']);
  });

  it('50 journeys of one user released at the same moment against a cap of 3: exactly 3 webhooks arrive', async function () {
    await useSettings({ caps: [{ max: 3, window: '24h' }] });
    const userId = uniqueId('user');
    const definition = define({ steps: [{ id: 'together', type: 'delay', duration: '1h' }, webhook('race')] });
    const statuses = await suite.ts.run(async () => {
      const handles = await Promise.all(Array.from({ length: 50 }, () => suite.ts.startJourney(definition, userId)));
      // Every delay ends at the same workflow instant; then the reservations race in real time.
      await suite.ts.env.sleep('61m');
      return Promise.all(handles.map(finished));
    });
    assert.ok(
      statuses.every((s) => s === 'COMPLETED'),
      statuses.join(),
    );
    assert.equal(paths().length, 3);
  });

  it('quiet hours 21:00–08:00 in Asia/Seoul: a webhook due at 22:00 is held and arrives at 08:00 Seoul time', async function () {
    // Korean law: promotional messages at night need separate consent. Global quiet hours, Seoul as the default zone.
    await useSettings({ quietHours: { start: '21:00', end: '08:00' }, timeZone: 'Asia/Seoul' });
    const definition = define({ steps: [{ id: 'evening', type: 'delay', until: '22:00' }, webhook('promo')] });
    const { closedAt } = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, uniqueId('user'));
      const state = await heldState(handle, /^quiet hours/);
      const until = Date.parse(state.waitingFor!.split(' until ')[1]);
      assert.match(localTime(until, 'Asia/Seoul'), /08:00$/, state.waitingFor);
      assert.equal(state.timeZone, 'Asia/Seoul');
      assert.equal((await handle.describe()).typedSearchAttributes.get(JOURNEY_STATE), 'held');
      assert.deepEqual(paths(), [], 'nothing is sent during quiet hours');
      await handle.result();
      return { closedAt: (await handle.describe()).closeTime!.getTime() };
    });
    assert.match(localTime(closedAt, 'Asia/Seoul'), /08:00$/);
    assert.deepEqual(paths(), ['/promo']);
  });

  it('quiet hours across a DST change: 23:00 EST on the eve of summer time is held until 08:00 EDT in New York', async function () {
    await useSettings({ quietHours: { start: '21:00', end: '08:00' } });
    const now = await suite.ts.env.currentTimeMs();
    // Summer time begins at 02:00 EST (07:00Z) on the second Sunday of March: the next one after now.
    const secondSunday = (year: number) =>
      Date.UTC(year, 2, 8 + ((7 - new Date(Date.UTC(year, 2, 8)).getUTCDay()) % 7), 7);
    const year = new Date(now).getUTCFullYear();
    const change = [year, year + 1].map(secondSunday).find((at) => at > now + DAY_MS)!;
    const userId = uniqueId('user');
    await suite.ts.repositories.profiles.merge([
      {
        userId,
        properties: { timeZone: 'America/New_York', eveAt: new Date(change - 2 * HOUR_MS).toISOString() },
        seenAt: new Date(),
      },
    ]);
    const definition = define({
      steps: [{ id: 'eve', type: 'delay', untilField: 'user.properties.eveAt', offset: '-1h' }, webhook('morning')],
    });
    const closedAt = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      await handle.result();
      return (await handle.describe()).closeTime!.getTime();
    });
    assert.equal(localTime(closedAt, 'America/New_York').slice(-5), '08:00');
    assert.ok(
      Math.abs(closedAt - (change + 5 * HOUR_MS)) < 60_000,
      `08:00 EDT is 12:00Z, not the 13:00Z of winter: ${new Date(closedAt).toISOString()}`,
    );
    assert.deepEqual(paths(), ['/morning']);
  });

  it('a send window on Mondays 10:00–11:00 New York time, with an invalid zone in the profile reported and replaced', async function () {
    await useSettings({});
    const userId = uniqueId('user');
    await suite.ts.repositories.profiles.merge([{ userId, properties: { tz: 'Mars/Olympus' }, seenAt: new Date() }]);
    const definition = define({
      timeZone: { property: 'tz', default: 'America/New_York' },
      sendWindow: { weekdays: ['mon'], start: '10:00', end: '11:00' },
      steps: [webhook('weekly')],
    });
    const { closedAt } = await suite.ts.run(async () => {
      const handle = await suite.ts.startJourney(definition, userId);
      const state = await heldState(handle, /^send window until /);
      assert.equal(state.timeZone, 'America/New_York');
      assert.match(state.timeZoneProblem!, /"Mars\/Olympus" is not an IANA time zone/);
      await handle.result();
      return { closedAt: (await handle.describe()).closeTime!.getTime() };
    });
    assert.equal(localTime(closedAt, 'America/New_York'), 'Mon 10:00');
    assert.deepEqual(paths(), ['/weekly']);
  });
});

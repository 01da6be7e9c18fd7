// Targeting as data grows, on the real FerretDB, which serves only filters naming _id from an
// index and scans the whole collection for any other: with many events stored, a
// behavioural user check must read that user's own records, by _id, in a few commands. The
// commands are watched through the driver's command monitoring, as in send-log.test.ts.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { EventHistory, userHistoryEvents } from '../../src/db/event-history';
import type { EventRecord } from '../../src/db/events';
import type { Condition } from '../../src/domain/condition';
import { watchedRepositories } from '../support/commands';
import { testRepositories, uniqueId } from '../support/stack';
import { storeEvents } from '../support/events';

const NOW = Date.now();
const DAY = 86_400_000;
/** Events of other users stored beside the checked one: a scan of them is unmistakable. */
const CROWD = 20_000;
let eventCount = 0;

function event(userId: string, name: string, at: number, properties: Record<string, unknown> = {}): EventRecord {
  return {
    _id: `evt-${process.pid}-${eventCount++}`,
    userId,
    name,
    properties,
    timestamp: new Date(at),
    receivedAt: new Date(at),
  };
}

describe('targeting with many events stored (real FerretDB)', function () {
  this.timeout(300_000);
  const database = uniqueId('history');
  let repositories: Repositories;
  let watched: Awaited<ReturnType<typeof watchedRepositories>>;

  before(async function () {
    repositories = await testRepositories(database);
    watched = await watchedRepositories(database);
    const crowd = Array.from({ length: CROWD }, (_, i) =>
      event(`crowd-${i % 2_000}`, i % 3 === 0 ? 'purchase' : 'page_viewed', NOW - (i % 60) * DAY),
    );
    for (let i = 0; i < crowd.length; i += 5_000)
      await repositories.connection.collection<EventRecord>('events').insertMany(crowd.slice(i, i + 5_000));
  });

  after(async () => Promise.all([repositories.connection.close(), watched.repositories.connection.close()]));

  it("a behavioural user check reads the profile and the user's history by _id, in a few commands", async function () {
    const userId = uniqueId('buyer');
    await repositories.profiles.merge([{ userId, properties: { tier: 'gold' }, seenAt: new Date(NOW - 3 * DAY) }]);
    await storeEvents(repositories.events, [
      event(userId, 'purchase', NOW - 2 * DAY, { amount: 250 }),
      event(userId, 'purchase', NOW - 40 * DAY, { amount: 20 }),
    ]);
    const audience = watched.repositories.audience;
    const check = (condition: Condition) =>
      watched.pointCommands(() => audience.matches(userId, condition, { now: NOW }));
    const lapsed: Condition = {
      all: [
        { field: 'user.properties.tier', op: 'eq', value: 'gold' },
        { notPerformed: 'purchase', within: '30d' },
      ],
    };
    const big: Condition = {
      performed: 'purchase',
      where: { field: 'event.properties.amount', op: 'gte', value: 100 },
      atLeast: 1,
      within: '7d',
    };
    for (const [condition, expected] of [
      [lapsed, false],
      [big, true],
      [{ performed: 'purchase', atLeast: 2, within: '60d' }, true],
    ] as const) {
      const { result, commands } = await check(condition);
      assert.equal(result, expected, JSON.stringify(condition));
      assert.ok(commands <= 2, `the check took ${commands} commands`);
    }
  });

  it('a user with a long history: a check reads only the records in its window; the user view its latest', async function () {
    const userId = uniqueId('regular');
    // 1,000 logins, ten a day for 100 days, posted in batches of 50 as a client would.
    const logins = Array.from({ length: 1_000 }, (_, i) =>
      event(userId, 'login', NOW - (999 - i) * (DAY / 10), { n: i }),
    );
    for (let i = 0; i < logins.length; i += 50) await storeEvents(repositories.events, logins.slice(i, i + 50));
    const { result, commands } = await watched.pointCommands(() =>
      watched.repositories.audience.matches(userId, { performed: 'login', atLeast: 70, within: '7d' }, { now: NOW }),
    );
    assert.equal(result, true);
    assert.ok(commands <= 3, `the check took ${commands} commands`);
    const view = await watched.pointCommands(() => watched.repositories.events.recentForUser(userId, 20));
    assert.deepEqual(
      view.result.map((e) => e.properties.n),
      Array.from({ length: 20 }, (_, i) => 999 - i),
    );
    assert.ok(view.commands <= 2, `the user view took ${view.commands} commands`);
  });

  it('concurrent posts for one user from several connections lose no event', async function () {
    const userId = uniqueId('busy');
    const others = await Promise.all(Array.from({ length: 4 }, () => testRepositories(database)));
    try {
      const posts = Array.from({ length: 40 }, (_, i) => event(userId, 'click', NOW - i * 1_000, { n: i }));
      await Promise.all(posts.map((p, i) => storeEvents(others[i % others.length].events, [p])));
      const seen = await repositories.events.recentForUser(userId, 100);
      assert.deepEqual(
        seen.map((e) => e.properties.n),
        Array.from({ length: 40 }, (_, i) => i),
      );
    } finally {
      await Promise.all(others.map((o) => o.connection.close()));
    }
  });

  it('events stored before histories existed are copied into them on start, and count', async function () {
    const legacy = uniqueId('legacy');
    const before = await testRepositories(legacy);
    const userId = 'old-timer';
    await before.connection
      .collection<EventRecord>('events')
      .insertMany([
        event(userId, 'purchase', NOW - DAY),
        event(userId, 'purchase', NOW - 2 * DAY),
        event(userId, 'login', NOW - 50 * DAY),
      ]);
    await before.connection.collection('event_history').deleteOne({ _id: 'migrated:events' as never });
    await before.connection.close();
    const restarted = await testRepositories(legacy);
    try {
      assert.equal(
        await restarted.audience.matches(userId, { performed: 'purchase', atLeast: 2, within: '7d' }, { now: NOW }),
        true,
      );
      assert.deepEqual(
        (await restarted.events.recentForUser(userId, 10)).map((e) => e.name),
        ['purchase', 'purchase', 'login'],
      );
    } finally {
      await restarted.connection.close();
    }
  });

  it('a writer appending to users another writer began reads their last entries instead of losing inserts, yet guesses for new users', async function () {
    // The gateway writes each user's trigger event; the worker's appends follow, as in a journey.
    const gateway = new EventHistory(repositories.connection);
    const worker = new EventHistory(watched.repositories.connection);
    const one = (userId: string, name: string) => userHistoryEvents([event(userId, name, NOW)]);
    const insertsOf = (sent: string[]) => sent.filter((c) => c === 'insert event_history').length;
    const users = Array.from({ length: 30 }, () => uniqueId('journey-user'));
    for (const userId of users) await gateway.appendAll(one(userId, 'signed_up'));
    // A guess or two lose before the worker learns that users it does not remember have histories here.
    for (const userId of users.slice(0, 3)) await worker.appendAll(one(userId, 'entered'));
    const { sent } = await watched.pointCommands(async () => {
      for (const userId of users.slice(3)) await worker.appendAll(one(userId, 'entered'));
    });
    assert.equal(insertsOf(sent), users.length - 3, 'one insert an append: none lost');
    for (const userId of users)
      assert.deepEqual((await gateway.recent(userId, 10)).map((e) => e.name).sort(), ['entered', 'signed_up']);

    // New users: the reads show a guess would land, so the worker turns back to guessing.
    const newcomers = Array.from({ length: 60 }, () => uniqueId('new-user'));
    for (const userId of newcomers.slice(0, 50)) await worker.appendAll(one(userId, 'signed_up'));
    for (const userId of newcomers.slice(50)) {
      const guessed = await watched.pointCommands(() => worker.appendAll(one(userId, 'signed_up')));
      assert.deepEqual(guessed.sent, ['insert event_history'], 'one insert, no read');
    }
  });

  it("one append to many users' histories reads them in one command, a long one on its own, and loses no event", async function () {
    // A worker's system events: one group for several journeys' users, whose histories the gateway began.
    const gateway = new EventHistory(repositories.connection);
    const worker = new EventHistory(watched.repositories.connection);
    const users = Array.from({ length: 20 }, () => uniqueId('grouped-user'));
    for (const userId of users) await gateway.appendAll(userHistoryEvents([event(userId, 'signed_up', NOW)]));
    // Ten entries: past the first read's window, with a head that moved on.
    const long = uniqueId('long-user');
    for (let i = 0; i < 10; i++)
      await gateway.appendAll(userHistoryEvents([event(long, `visit_${i}`, NOW - (10 - i) * 1_000)]));
    const everyone = [...users, long];
    const { sent } = await watched.pointCommands(() =>
      worker.appendAll(userHistoryEvents(everyone.map((userId) => event(userId, 'entered', NOW)))),
    );
    const reads = sent.filter((c) => c === 'find event_history').length;
    assert.ok(reads <= 2, `one read for the group and one more for the long history, not one a user: ${reads} reads`);
    for (const userId of users)
      assert.deepEqual((await gateway.recent(userId, 10)).map((e) => e.name).sort(), ['entered', 'signed_up']);
    const longNames = (await gateway.recent(long, 20)).map((e) => e.name);
    assert.equal(longNames.length, 11);
    assert.equal(longNames[0], 'entered');
  });
});

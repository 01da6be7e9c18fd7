// The retention purge on the real FerretDB, its commands watched: it reads the day logs and
// deletes by _id, and never searches `events` by timestamp (FerretDB on SQLite answers such a
// search by reading the whole collection; at a million events the purge's last round did).
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { dayOf, EventDays, LANES, type DayItem } from '../../src/db/event-days';
import type { EventRecord } from '../../src/db/events';
import { watchedRepositories } from '../support/commands';
import { storeEvents } from '../support/events';
import { testRepositories, uniqueId } from '../support/stack';

const DAY = 86_400_000;
const NOW = Date.now();
const HORIZON = new Date(NOW - 90 * DAY);
const USERS = ['ana', 'bo', 'cy', 'di', 'ed'];

/** Event i of a run: timestamps spread over 200 days back, so about half are past the horizon. */
function event(prefix: string, i: number): EventRecord {
  return { ...entityEvent(prefix, i), userId: USERS[i % USERS.length] };
}

/** The same without a user. */
function entityEvent(prefix: string, i: number): EventRecord {
  const timestamp = new Date(NOW - ((i * 37) % 200) * DAY - (i % 1_000) * 1_000);
  return {
    _id: `${prefix}-${i}`,
    name: 'page_viewed',
    properties: { i },
    timestamp,
    receivedAt: new Date(NOW),
  };
}

const ids = (events: EventRecord[]) => events.map((e) => e._id).sort();
const old = (events: EventRecord[]) => events.filter((e) => e.timestamp < HORIZON);
const recent = (events: EventRecord[]) => events.filter((e) => e.timestamp >= HORIZON);

async function storedIds(repositories: Repositories): Promise<string[]> {
  const docs = await repositories.connection
    .collection<{ _id: string }>('events')
    .find({}, { projection: { _id: 1 } })
    .toArray();
  return docs.map((d) => d._id).sort();
}

/** Events written by an earlier version: in `events`, but in no day log (nor history) yet. */
async function storeBeforeDayLogs(database: string, events: EventRecord[]): Promise<void> {
  const earlier = await testRepositories(database);
  try {
    await earlier.connection.collection<{ _id: string }>('events').insertMany(events);
    // As if the day logs and histories had never existed: the next start migrates.
    for (const collection of ['event_days', 'event_retention', 'event_history'])
      await earlier.connection.collection(collection).deleteMany({});
  } finally {
    await earlier.connection.close();
  }
}

describe('event retention by day logs (real FerretDB, commands watched)', function () {
  this.timeout(180_000);

  it('deletes exactly the events past the horizon, each by _id, from events and histories; again, nothing', async () => {
    const database = uniqueId('retention-days');
    const legacy = [...Array.from({ length: 800 }, (_, i) => event('legacy', i)), event('legacy-1999', 0)];
    legacy[800].timestamp = new Date('1999-03-04T05:06:07Z');
    await storeBeforeDayLogs(database, legacy);

    const { repositories, pointCommands } = await watchedRepositories(database);
    try {
      const posted = Array.from({ length: 2_400 }, (_, i) => event('posted', i));
      for (let i = 0; i < posted.length; i += 400) await storeEvents(repositories.events, posted.slice(i, i + 400));
      // Index 3 is 111 days old, 11 is 7.
      const entity = [entityEvent('entity', 3), entityEvent('entity', 11)];
      await storeEvents(repositories.events, entity);
      const system = [event('system', 3), event('system', 11)];
      assert.ok(await (await repositories.events.storeSystemEvents(system, new Set())).fold());
      const all = [...legacy, ...posted, ...entity, ...system];
      assert.ok(old(entity).length === 1 && old(system).length === 1 && old(all).length > 1_000);

      const first = await pointCommands(() => repositories.events.purgeOlderThan(HORIZON));
      assert.equal(first.result, old(all).length, 'each old event counted once');
      assert.deepEqual(await storedIds(repositories), ids(recent(all)), 'exactly the old events are gone');
      for (const userId of USERS) {
        const history = await repositories.events.recentForUser(userId, 10_000);
        const own = all.filter((e) => e.userId === userId);
        assert.deepEqual(
          history.map((e) => e.id).sort(),
          ids(recent(own)),
          `${userId}'s history holds the recent ones`,
        );
      }

      const second = await pointCommands(() => repositories.events.purgeOlderThan(HORIZON));
      assert.equal(second.result, 0);
      assert.deepEqual(await storedIds(repositories), ids(recent(all)));
    } finally {
      await repositories.connection.close();
    }
  });

  it('deletes a day’s logs once its events are gone, and two runs at once count each event once', async () => {
    const { repositories, pointCommands } = await watchedRepositories(uniqueId('retention-close'));
    try {
      const posted = Array.from({ length: 600 }, (_, i) => event('closing', i));
      await storeEvents(repositories.events, posted);
      const logs = repositories.connection.collection<{ _id: string }>('event_days');
      const logEntries = async () => (await logs.find({}).toArray()).filter((d) => d._id.startsWith('day:')).length;
      assert.ok((await logEntries()) > 0, 'the events were logged on today');

      // Three days on, with a horizon past every event: today is over, and everything goes.
      const later = new Date(NOW + 3 * DAY);
      const runs = await pointCommands(() =>
        Promise.all([
          repositories.events.purgeOlderThan(later, later),
          repositories.events.purgeOlderThan(later, later),
        ]),
      );
      assert.equal(runs.result[0] + runs.result[1], posted.length, 'each event counted once over both runs');
      assert.deepEqual(await storedIds(repositories), []);
      assert.equal(await logEntries(), 0, "the day's logs are deleted");
      assert.equal((await pointCommands(() => repositories.events.purgeOlderThan(later, later))).result, 0);
    } finally {
      await repositories.connection.close();
    }
  });

  it('two writers that start on one lane settle on lanes of their own: an append is one insert', async () => {
    const { repositories, pointCommands } = await watchedRepositories(uniqueId('day-lanes'));
    try {
      const [gateway, worker] = [new EventDays(repositories.connection, 3), new EventDays(repositories.connection, 3)];
      const item = (n: number): DayItem => ({ id: `e-${n}`, userId: 'ana', at: new Date(NOW) });
      const { commands } = await pointCommands(async () => {
        for (let n = 0; n < 40; n += 2) {
          await gateway.record([item(n)]);
          await worker.record([item(n + 1)]);
        }
      });
      // 40 inserts; each writer reads its lane's end once (3 reads), and one race is lost (an
      // insert, then 3 reads of the next lane) before they part: 50. Sharing the lane, every
      // append after the other writer's would lose its insert and read the end again (~200).
      assert.ok(commands <= 52, `40 appends took ${commands} commands`);
      const logged = new Set<string>();
      for (let lane = 0; lane < LANES; lane++)
        for await (const entry of gateway.entries(dayOf(new Date(NOW)), lane, 0))
          entry.ids.forEach((i) => logged.add(i.id));
      assert.equal(logged.size, 40);
    } finally {
      await repositories.connection.close();
    }
  });
});

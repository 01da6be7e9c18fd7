// Users' histories are appended off the request path (src/db/history-outbox.ts): a post costs
// a bounded number of database commands however many users it names, its events reach their
// users' histories just after the answer, and what a gateway left unfolded is folded by the
// sweep. Commands are watched through the driver's command monitoring, as in event-history.test.ts.
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Repositories } from '../../src/db/connection';
import type { EventRecord } from '../../src/db/events';
import { ActiveCampaigns } from '../../src/gateway/active-campaigns';
import { EventRouter } from '../../src/gateway/event-router';
import { connectClient } from '../../src/temporal/connect';
import { watchedRepositories } from '../support/commands';
import { eventually, stack, testCodec, testRepositories, uniqueId } from '../support/stack';

/** Users named by one post: on the request path, their histories must cost nothing per user. */
const USERS = 300;
/**
 * Commands a post's request path may send: the profiles, the events and one history record, and
 * the profile directory's registration of new users, a hundred to a record (profile-directory.ts).
 */
const REQUEST_COMMANDS = 5 + 4 * Math.ceil(USERS / 100);

describe('event histories appended off the request path (real FerretDB)', function () {
  this.timeout(300_000);
  const database = uniqueId('history-outbox');
  let repositories: Repositories;
  let watched: Awaited<ReturnType<typeof watchedRepositories>>;
  let temporal: Client;
  let router: EventRouter;

  before(async function () {
    repositories = await testRepositories(database);
    watched = await watchedRepositories(database);
    temporal = await connectClient(stack().temporalAddress, 'default', testCodec());
    const campaigns = new ActiveCampaigns(watched.repositories.campaigns);
    await campaigns.refresh();
    router = new EventRouter({
      events: watched.repositories.events,
      claims: watched.repositories.claims,
      profiles: watched.repositories.profiles,
      campaigns,
      temporal,
      taskQueue: database,
      logger: pino({ level: 'silent' }),
      sweepIntervalMs: 60_000,
      fanOutEntriesPerSecond: 100,
    });
  });

  after(async () => {
    await router?.stop();
    await temporal?.connection.close();
    await Promise.all([repositories?.connection.close(), watched?.repositories.connection.close()]);
  });

  it("a post of events over hundreds of new users sends a few commands before its answer; the users' histories get them just after", async function () {
    const run = uniqueId('post');
    const inputs = Array.from({ length: USERS }, (_, i) => ({
      id: `${run}-${i}`,
      userId: `${run}-user-${i}`,
      name: 'page_viewed',
      properties: { n: i },
    }));
    // A batch's profiles are read with one $in (profiles.ts): the one filter not on a single _id.
    const profileScan = (e: { commandName: string; command: Record<string, unknown> }) =>
      e.commandName === 'find' && e.command.find === 'profiles';
    // A gateway that has been running: it knows about how many profiles are stored (profiles.ts).
    const warmUp = Array.from({ length: 21 }, (_, i) => ({ userId: `${run}-warm-up-${i}`, name: 'page_viewed' }));
    await router.ingest(warmUp);
    const outbox = repositories.connection.collection('history_outbox');
    await eventually(async () => ((await outbox.countDocuments()) === 0 ? true : undefined));
    const { result, commands } = await watched.pointCommands(() => router.ingest(inputs), profileScan);
    assert.equal(result.accepted, USERS);
    assert.ok(commands <= REQUEST_COMMANDS, `the post sent ${commands} commands before its answer`);
    for (const i of [0, USERS / 2, USERS - 1]) {
      const seen = await eventually(async () => {
        const events = await repositories.events.recentForUser(`${run}-user-${i}`, 10);
        return events.length > 0 ? events : undefined;
      });
      assert.deepEqual(
        seen.map((e) => [e.id, e.properties.n]),
        [[`${run}-${i}`, i]],
      );
    }
  });

  it('a fold writes hundreds of users’ histories in a few commands, without reading them, new users and those it wrote before', async function () {
    const run = uniqueId('fold');
    const post = (round: number) =>
      Array.from({ length: USERS }, (_, i): EventRecord => ({
        _id: `${run}-${round}-${i}`,
        userId: `${run}-user-${i}`,
        name: 'page_viewed',
        properties: { round },
        timestamp: new Date(Date.now() - (3 - round) * 1_000),
        receivedAt: new Date(),
      }));
    const events = watched.repositories.events;
    // The entries a fold supersedes are emptied and heads moved 50 to a command (event-history.ts);
    // the day log gets one insert, after reading where the log ends on a process's first of the day.
    const bound = 2 + 2 * Math.ceil(USERS / 50) + 4;
    const outboxDeletion = (e: { commandName: string; command: Record<string, unknown> }) =>
      e.commandName === 'delete' && e.command.delete === 'history_outbox';
    for (const round of [0, 1, 2]) {
      const stored = await events.insertNew(post(round));
      const { result, commands } = await watched.pointCommands(() => stored.fold(), outboxDeletion);
      assert.ok(result);
      assert.ok(commands <= bound, `fold ${round} sent ${commands} commands`);
    }
    assert.deepEqual(
      (await repositories.events.recentForUser(`${run}-user-7`, 10)).map((e) => e.properties.round),
      [2, 1, 0],
    );
  });

  it('a history record a gateway left unfolded is folded by the sweep; folding it again counts each event once, chunks too', async function () {
    const userId = uniqueId('regular');
    // More than a chunk's 100 events, so a second fold meets events already sealed into a chunk.
    const events = Array.from({ length: 150 }, (_, i): EventRecord => ({
      _id: `${userId}-${i}`,
      userId,
      name: 'login',
      properties: { n: i },
      timestamp: new Date(Date.now() - (150 - i) * 1_000),
      receivedAt: new Date(),
    }));
    // A database of its own, so that only this gateway's record is left in its outbox.
    const alone = await testRepositories(uniqueId('left-behind'));
    try {
      const stored = await alone.events.insertNew(events);
      assert.deepEqual(await alone.events.recentForUser(userId, 10), [], 'not folded before the answer');

      assert.equal(await alone.events.foldStaleHistory(new Date(Date.now() + 1_000)), 1);
      assert.equal(await alone.events.foldStaleHistory(new Date(Date.now() + 1_000)), 0, 'and then deleted');
      assert.ok(await stored.fold(), 'folded a second time');

      const seen = await alone.events.recentForUser(userId, 1_000);
      assert.deepEqual(
        seen.map((e) => e.properties.n),
        Array.from({ length: 150 }, (_, i) => 149 - i),
      );
      const exactly = (n: number) => ({ performed: 'login', atLeast: n, atMost: n, within: '1d' });
      assert.equal(await alone.audience.matches(userId, exactly(150), { now: Date.now() }), true);
    } finally {
      await alone.connection.close();
    }
  });
});

// Users' histories are appended off the request path (src/db/history-outbox.ts): a post costs
// a bounded number of database commands however many users it names, its events reach their
// users' histories just after the answer, and what a gateway left unfolded is folded by the
// sweep. An event that starts a journey is folded from its event_outbox entry, with no history
// record. Commands are watched through the driver's command monitoring, as in event-history.test.ts.
import type { Client } from '@temporalio/client';
import type { CommandStartedEvent } from 'mongodb';
import assert from 'node:assert/strict';
import { setTimeout } from 'node:timers/promises';
import pino from 'pino';
import type { Repositories } from '../../src/db/connection';
import type { EventRecord } from '../../src/db/events';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { ActiveCampaigns } from '../../src/gateway/active-campaigns';
import { EventRouter } from '../../src/gateway/event-router';
import { connectClient } from '../../src/temporal/connect';
import { watchedRepositories } from '../support/commands';
import { eventually, stack, testCodec, testRepositories, uniqueId } from '../support/stack';
import { storeCampaign } from '../support/campaigns';

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
  let campaigns: ActiveCampaigns;
  let router: EventRouter;
  /** Journeys started here, never run (no worker): terminated at the end. */
  const journeys: string[] = [];

  /** A gateway's router on this database, handing off through `client`. */
  const routerOn = (client: Client) =>
    new EventRouter({
      events: watched.repositories.events,
      claims: watched.repositories.claims,
      profiles: watched.repositories.profiles,
      campaigns,
      temporal: client,
      taskQueue: database,
      logger: pino({ level: 'silent' }),
      sweepIntervalMs: 60_000,
      fanOutEntriesPerSecond: 100,
    });

  /** An active campaign `signed_up` starts; returns its id. */
  async function welcomeCampaign(): Promise<string> {
    const campaign = await storeCampaign(repositories.campaigns, { trigger: { event: 'signed_up' } });
    await campaigns.refresh();
    return campaign.id;
  }

  /** Whether the campaign's journey of the user was started in Temporal. */
  async function journeyStarted(campaignId: string, userId: string): Promise<boolean> {
    const workflowId = journeyWorkflowId(campaignId, userId);
    journeys.push(workflowId);
    return (await temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  }

  before(async function () {
    repositories = await testRepositories(database);
    watched = await watchedRepositories(database);
    temporal = await connectClient(stack().temporalAddress, 'default', testCodec());
    campaigns = new ActiveCampaigns(watched.repositories.campaigns);
    await campaigns.refresh();
    router = routerOn(temporal);
  });

  after(async () => {
    await router?.stop();
    await Promise.allSettled(journeys.map((id) => temporal.workflow.getHandle(id).terminate('test over')));
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

  it('an event that starts a journey is folded from its event_outbox entry: its post writes no history record, and one beside it holds only the events that start nothing', async function () {
    const campaignId = await welcomeCampaign();
    const run = uniqueId('routed');
    const [first, second] = [`${run}-first`, `${run}-second`];
    const histories = repositories.connection.collection('history_outbox');
    const outbox = repositories.connection.collection<{ _id: string }>('event_outbox');
    await eventually(async () => ((await histories.countDocuments()) === 0 ? true : undefined));
    const recorded: Array<{ id: string }> = [];
    const noteRecords = (e: CommandStartedEvent) => {
      if (e.commandName === 'insert' && e.command.insert === 'history_outbox')
        recorded.push(...e.command.documents.flatMap((d: { events: Array<{ id: string }> }) => d.events));
      return true;
    };
    // Everything the gateway sends for the post, until its journeys are started (their entries deleted).
    const postUntilRouted = (inputs: Parameters<EventRouter['ingest']>[0]) =>
      watched.pointCommands(async () => {
        const { ids } = await router.ingest(inputs);
        await eventually(async () => ((await outbox.countDocuments({ _id: { $in: ids } })) === 0 ? true : undefined));
        return ids;
      }, noteRecords);
    const onHistoryOutbox = (sent: string[]) => sent.filter((c) => c.endsWith(' history_outbox'));

    const alone = await postUntilRouted([{ id: `${run}-a`, userId: first, name: 'signed_up' }]);
    assert.deepEqual(onHistoryOutbox(alone.sent), []);
    assert.equal(await journeyStarted(campaignId, first), true);

    const mixed = await postUntilRouted([
      { id: `${run}-b`, userId: second, name: 'signed_up' },
      { id: `${run}-c`, userId: second, name: 'page_viewed' },
    ]);
    assert.deepEqual(onHistoryOutbox(mixed.sent), ['insert history_outbox', 'delete history_outbox']);
    assert.deepEqual(
      recorded.map((e) => e.id),
      [`${run}-c`],
    );
    assert.equal(await journeyStarted(campaignId, second), true);
    for (const [userId, ids] of [
      [first, [`${run}-a`]],
      [second, [`${run}-c`, `${run}-b`]],
    ] as const)
      assert.deepEqual((await repositories.events.recentForUser(userId, 10)).map((e) => e.id).sort(), [...ids].sort());
  });

  it("the day log entries of posts close in time are written together, and each post's record goes once they are", async function () {
    const run = uniqueId('days');
    const histories = repositories.connection.collection('history_outbox');
    await eventually(async () => ((await histories.countDocuments()) === 0 ? true : undefined));
    const users = [0, 1, 2, 3].map((i) => `${run}-user-${i}`);
    const inHistory = async (userId: string) => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await setTimeout(10))
        if ((await repositories.events.recentForUser(userId, 1)).length > 0) return;
      throw new Error(`${userId}'s event never reached the history`);
    };
    const { sent } = await watched.pointCommands(
      async () => {
        // Each post once the one before is in its user's history: its fold's history part is
        // done, so this one's fold is a fold of its own, and only its day log may wait for company.
        for (const userId of users) {
          await router.ingest([{ id: `${userId}-viewed`, userId, name: 'page_viewed' }]);
          await inHistory(userId);
        }
        await eventually(async () => ((await histories.countDocuments()) === 0 ? true : undefined));
      },
      () => true,
    );
    // One insert when the four posts come within the group's 500 ms; a loaded machine may split them once.
    const dayLogInserts = sent.filter((c) => c === 'insert event_days').length;
    assert.ok(dayLogInserts <= 2, `${dayLogInserts} day log inserts for ${users.length} posts`);
    for (const userId of users)
      assert.deepEqual(
        (await repositories.events.recentForUser(userId, 10)).map((e) => e.id),
        [`${userId}-viewed`],
      );
  });

  it('the event_outbox entries of events routed together are deleted in one command', async function () {
    const campaignId = await welcomeCampaign();
    const run = uniqueId('together');
    const users = Array.from({ length: 5 }, (_, i) => `${run}-user-${i}`);
    const outbox = repositories.connection.collection<{ _id: string }>('event_outbox');
    const { result: ids, sent } = await watched.pointCommands(async () => {
      const { ids } = await router.ingest(users.map((userId) => ({ userId, name: 'signed_up' })));
      await eventually(async () => ((await outbox.countDocuments({ _id: { $in: ids } })) === 0 ? true : undefined));
      return ids;
    });
    assert.equal(ids.length, users.length);
    assert.deepEqual(
      sent.filter((c) => c.endsWith(' event_outbox')),
      ['insert event_outbox', 'delete event_outbox'],
    );
    for (const userId of users) assert.equal(await journeyStarted(campaignId, userId), true);
  });

  it("an event_outbox entry a dead gateway left is folded into its user's history once, then routed by the sweep, also while Temporal is unreachable", async function () {
    const campaignId = await welcomeCampaign();
    const userId = uniqueId('left-in-outbox');
    const id = `${userId}-signed-up`;
    // As a gateway leaves it that died after answering: the entry and the event stored, no fold.
    const receivedAt = new Date(Date.now() - 120_000);
    const event = {
      _id: id,
      userId,
      name: 'signed_up',
      properties: { plan: 'pro' },
      timestamp: receivedAt,
      receivedAt,
    };
    await repositories.connection.collection<EventRecord>('event_outbox').insertOne({
      ...event,
      pendingRoutes: [{ campaignId, kind: 'start' }],
    });
    await repositories.connection.collection<EventRecord>('events').insertOne(event);

    const unreachable = await connectClient(stack().temporalAddress, 'default', testCodec());
    await unreachable.connection.close();
    const stranded = routerOn(unreachable);
    const historyWrites = (sent: string[]) => sent.filter((c) => / (event_history|event_days)$/.test(c));
    const firstSweep = await watched.pointCommands(
      () => stranded.sweep(),
      () => true,
    );
    assert.notDeepEqual(historyWrites(firstSweep.sent), [], 'the sweep folded it');
    assert.deepEqual(
      (await repositories.events.recentForUser(userId, 10)).map((e) => [e.id, e.properties.plan]),
      [[id, 'pro']],
    );
    // Routes retried through an outage do not append the event again at every sweep.
    const secondSweep = await watched.pointCommands(
      () => stranded.sweep(),
      () => true,
    );
    assert.equal(secondSweep.result, 1, 'the sweep tried to route it again');
    assert.deepEqual(historyWrites(secondSweep.sent), []);

    assert.equal(await router.sweep(), 1);
    assert.equal(await journeyStarted(campaignId, userId), true);
    // Routed entries are deleted together, a moment after their hand-off.
    const outbox = repositories.connection.collection<{ _id: string }>('event_outbox');
    await eventually(async () => ((await outbox.countDocuments({ _id: id })) === 0 ? true : undefined));
    assert.deepEqual(
      (await repositories.events.recentForUser(userId, 10)).map((e) => e.id),
      [id],
    );
    await stranded.stop();
  });

  it('a retried post whose event now owes routes but was stored before without its history record leaves a record for it, not a route', async function () {
    const userId = uniqueId('retried');
    const id = `${userId}-signed-up`;
    const event = { _id: id, userId, name: 'signed_up', properties: {}, timestamp: new Date(), receivedAt: new Date() };
    const alone = await testRepositories(uniqueId('retried'));
    try {
      // The first try, when no campaign listened, stored the event and died before its history record.
      await alone.connection.collection<EventRecord>('events').insertOne(event);
      const retry = await alone.events.insertNew([
        { ...event, pendingRoutes: [{ campaignId: 'welcome', kind: 'start' }] },
      ]);
      assert.equal(retry.duplicates, 1);
      // The retry's gateway dies too, before its fold: the sweep folds what it left.
      assert.equal(await alone.events.foldStaleHistory(new Date(Date.now() + 1_000)), 1);
      assert.deepEqual(
        (await alone.events.recentForUser(userId, 10)).map((e) => e.id),
        [id],
      );
      assert.deepEqual(
        await alone.events.findPendingRoutes(new Date(Date.now() + 1_000), 10),
        [],
        'a repeat owes no route',
      );
    } finally {
      await alone.connection.close();
    }
  });
});

// Frequency caps under concurrency on the real FerretDB, whose conditional updates are not
// atomic: reservations for one user race from several connections, as from several workers.
// FerretDB scans the whole collection for any filter but { _id }, so the commands the log sends
// are watched too: a user's long history must not make each reservation read it all.
import mongoose, { type Connection } from 'mongoose';
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { SendLog } from '../../src/db/send-log';
import { applicableCaps } from '../../src/domain/caps';
import { watchCommands } from '../support/commands';
import { mongoUriFor, testRepositories, uniqueId } from '../support/stack';

const WORKERS = 5;
const RACERS = 50;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
describe('reserving a send against frequency caps (real FerretDB)', function () {
  const database = uniqueId('sendlog');
  let workers: Repositories[];
  /** A send log on a connection of its own whose commands are recorded. */
  let watched: { connection: Connection; sendLog: SendLog; pointCommands: ReturnType<typeof watchCommands> };

  before(async function () {
    workers = await Promise.all(Array.from({ length: WORKERS }, () => testRepositories(database)));
    const connection = await mongoose
      .createConnection(mongoUriFor(database), { monitorCommands: true, autoIndex: false, autoCreate: false })
      .asPromise();
    watched = { connection, sendLog: new SendLog(connection), pointCommands: watchCommands(connection) };
  });

  after(async function () {
    await Promise.all([...workers.map((w) => w.connection.close()), watched.connection.close()]);
  });

  const sends = () => workers[0].connection.collection<{ _id: string } & Record<string, unknown>>('sends');

  /** The keys of the sends logged for the user and not released. */
  async function heldKeys(userId: string) {
    const entries = await sends().find({ userId }).toArray();
    const released = new Set(entries.filter((e) => e.kind === 'release').map((e) => e.key));
    return entries
      .filter((e) => e.kind !== 'release' && !e.released && !released.has(e.key))
      .map((e) => e.key as string)
      .sort();
  }

  const sendsOf = async (userId: string) => (await heldKeys(userId)).length;

  /** The data commands `run` sent on the watched connection, each checked to select by a single _id. */
  const pointCommands = async (run: () => Promise<unknown>) => (await watched.pointCommands(run)).commands;

  /** Entries as the log wrote them before each entry kept its window and a head pointed to the last. */
  function oldEntries(userId: string, times: number[], released: number[] = []) {
    return times.map((at, seq) => ({
      _id: `${seq}:${userId}`,
      userId,
      seq,
      key: `old_${seq}`,
      campaignId: 'promo',
      tags: [],
      at: new Date(at),
      ...(released.includes(seq) && { released: true }),
    }));
  }

  /** RACERS reservations for one user at the same instant, each from one of the connections. */
  async function race(userId: string, max: number, now: Date) {
    const caps = applicableCaps([{ max, window: '24h' }], { id: 'promo' });
    const verdicts = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        workers[i % WORKERS].sendLog.reserve({
          userId,
          key: `msg_${userId}_${i}`,
          campaignId: `campaign-${i}`,
          tags: [],
          caps,
          now,
        }),
      ),
    );
    return { caps, granted: verdicts.flatMap((v, i) => (v.granted ? [`msg_${userId}_${i}`] : [])), verdicts };
  }

  for (const max of [1, 3]) {
    it(`${RACERS} concurrent reservations against a cap of ${max}: exactly ${max} pass`, async function () {
      const userId = uniqueId('user');
      const now = new Date();
      const { granted, verdicts } = await race(userId, max, now);
      assert.equal(granted.length, max);
      assert.equal(await sendsOf(userId), max);
      const refused = verdicts.find((v) => !v.granted);
      assert.ok(
        refused && !refused.granted && refused.freesAt === now.getTime() + 86_400_000,
        'a refusal says when the slot frees',
      );
    });
  }

  it('a released slot frees for the next send, and a retried reservation takes no second slot', async function () {
    const userId = uniqueId('user');
    const now = new Date();
    const { caps, granted } = await race(userId, 1, now);
    const request = { userId, campaignId: 'later', tags: [], caps, now };
    assert.equal((await workers[1].sendLog.reserve({ ...request, key: 'msg_next' })).granted, false);
    await workers[2].sendLog.release(userId, granted[0]);
    await workers[2].sendLog.release(userId, granted[0]);
    const retried = await Promise.all(workers.map((w) => w.sendLog.reserve({ ...request, key: 'msg_next' })));
    assert.ok(
      retried.every((v) => v.granted),
      'every retry of the same key finds its slot',
    );
    assert.equal(await sendsOf(userId), 1);
    assert.equal((await workers[3].sendLog.reserve({ ...request, key: 'msg_other' })).granted, false);
  });

  it('a send no cap can count is granted without a read or write; a tagged one is still logged', async function () {
    const userId = uniqueId('user');
    const now = new Date();
    const reserve = (key: string, tags: string[]) => () =>
      watched.sendLog.reserve({ userId, key, campaignId: 'uncapped', tags, caps: [], now });
    const untagged = await watched.pointCommands(reserve('msg_plain', []));
    assert.deepEqual(untagged, { result: { granted: true }, commands: 0, sent: [] });
    // Another campaign's cap on the tag counts this send, so it must be in the log.
    assert.deepEqual(await reserve('msg_tagged', ['channel:sms'])(), { granted: true });
    assert.deepEqual(await heldKeys(userId), ['msg_tagged']);
  });

  it('caps of different users and windows do not touch each other', async function () {
    const [alice, bob] = [uniqueId('user'), uniqueId('user')];
    const caps = applicableCaps([{ max: 1, window: '1h' }], { id: 'promo' });
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    const reserve = (userId: string, key: string, at: number) =>
      workers[0].sendLog.reserve({ userId, key, campaignId: 'promo', tags: [], caps, now: new Date(at) });
    assert.equal((await reserve(alice, 'a1', t0)).granted, true);
    assert.equal((await reserve(bob, 'b1', t0)).granted, true);
    assert.equal((await reserve(alice, 'a2', t0 + 59 * 60_000)).granted, false);
    assert.equal(
      (await reserve(alice, 'a3', t0 + 60 * 60_000)).granted,
      true,
      'an hour later the first send has left the window',
    );
  });

  it('a log written before windows were kept still caps, finds retries and releases, by _id alone', async function () {
    const userId = uniqueId('user');
    const now = Date.parse('2026-12-01T12:00:00Z');
    // 40 days ago (in no window), 30 and 20 hours ago, 10 hours ago but released, 5 hours ago.
    await sends().insertMany(
      oldEntries(userId, [now - 40 * DAY, now - 30 * HOUR, now - 20 * HOUR, now - 10 * HOUR, now - 5 * HOUR], [3]),
    );
    const caps = applicableCaps(
      [
        { max: 3, window: '24h' },
        { max: 4, window: '30d' },
      ],
      { id: 'promo' },
    );
    const reserve = (key: string) =>
      watched.sendLog.reserve({ userId, key, campaignId: 'promo', tags: [], caps, now: new Date(now) });
    await pointCommands(async () => {
      assert.deepEqual(
        await reserve('new_1'),
        { granted: true },
        'the send of 40 days ago and the released one do not count',
      );
      assert.deepEqual(await reserve('old_4'), { granted: true }, 'a retry of an old reservation finds its slot');
      assert.deepEqual(await reserve('new_2'), {
        granted: false,
        cap: 'global: 4 per 30d',
        freesAt: now - 30 * HOUR + 30 * DAY,
      });
      await watched.sendLog.release(userId, 'old_1');
      assert.deepEqual(await reserve('new_2'), { granted: false, cap: 'global: 3 per 24h', freesAt: now + 4 * HOUR });
      await watched.sendLog.release(userId, 'old_2');
      assert.deepEqual(await reserve('new_2'), { granted: true });
    });
    assert.deepEqual(await heldKeys(userId), ['new_1', 'new_2', 'old_0', 'old_4']);
  });

  it('a user with a long history reserves and releases in a few commands, each reading one _id', async function () {
    const userId = uniqueId('user');
    const now = Date.parse('2026-12-01T12:00:00Z');
    // 300 sends, one every 3 days up to yesterday: 10 of them in the last 30 days.
    await sends().insertMany(
      oldEntries(
        userId,
        Array.from({ length: 300 }, (_, seq) => now - DAY - (299 - seq) * 3 * DAY),
      ),
    );
    const caps = applicableCaps([{ max: 12, window: '30d' }], { id: 'promo' });
    const reserve = (key: string) => () =>
      watched.sendLog.reserve({ userId, key, campaignId: 'promo', tags: [], caps, now: new Date(now) });
    const firstCommands = await pointCommands(reserve('new_1'));
    // Found by halving gaps (about 2 × log2 300 reads), then its 10 recent sends read back once.
    assert.ok(firstCommands <= 35, `the first reservation on the old log took ${firstCommands} commands`);
    for (const run of [
      reserve('new_2'),
      reserve('new_3'),
      () => watched.sendLog.release(userId, 'new_2'),
      reserve('new_3'),
      reserve('new_1'),
    ]) {
      const commands = await pointCommands(run);
      assert.ok(commands <= 5, `a change on a log with its head took ${commands} commands`);
    }
    assert.deepEqual(await reserve('new_3')(), { granted: true });
    assert.equal((await reserve('new_4')()).granted, false);
    assert.equal(await sendsOf(userId), 300 + 2);
  });
});

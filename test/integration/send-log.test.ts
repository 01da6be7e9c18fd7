// Frequency caps under concurrency on the real FerretDB, whose conditional updates are not
// atomic: reservations for one user race from several connections, as from several workers.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { applicableCaps } from '../../src/domain/caps';
import { testRepositories, uniqueId } from '../support/stack';

const WORKERS = 5;
const RACERS = 50;

describe('reserving a send against frequency caps (real FerretDB)', function () {
  const database = uniqueId('sendlog');
  let workers: Repositories[];

  before(async function () {
    workers = await Promise.all(Array.from({ length: WORKERS }, () => testRepositories(database)));
  });

  after(async function () {
    await Promise.all(workers.map((w) => w.connection.close()));
  });

  const sendsOf = (userId: string) => workers[0].connection.collection('sends').countDocuments({ userId, released: { $ne: true } });

  /** RACERS reservations for one user at the same instant, each from one of the connections. */
  async function race(userId: string, max: number, now: Date) {
    const caps = applicableCaps([{ max, window: '24h' }], { id: 'promo' });
    const verdicts = await Promise.all(
      Array.from({ length: RACERS }, (_, i) => workers[i % WORKERS].sendLog.reserve({ userId, key: `msg_${userId}_${i}`, campaignId: `campaign-${i}`, tags: [], caps, now })),
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
      assert.ok(refused && !refused.granted && refused.freesAt === now.getTime() + 86_400_000, 'a refusal says when the slot frees');
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
    assert.ok(retried.every((v) => v.granted), 'every retry of the same key finds its slot');
    assert.equal(await sendsOf(userId), 1);
    assert.equal((await workers[3].sendLog.reserve({ ...request, key: 'msg_other' })).granted, false);
  });

  it('caps of different users and windows do not touch each other', async function () {
    const [alice, bob] = [uniqueId('user'), uniqueId('user')];
    const caps = applicableCaps([{ max: 1, window: '1h' }], { id: 'promo' });
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    const reserve = (userId: string, key: string, at: number) => workers[0].sendLog.reserve({ userId, key, campaignId: 'promo', tags: [], caps, now: new Date(at) });
    assert.equal((await reserve(alice, 'a1', t0)).granted, true);
    assert.equal((await reserve(bob, 'b1', t0)).granted, true);
    assert.equal((await reserve(alice, 'a2', t0 + 59 * 60_000)).granted, false);
    assert.equal((await reserve(alice, 'a3', t0 + 60 * 60_000)).granted, true, 'an hour later the first send has left the window');
  });
});

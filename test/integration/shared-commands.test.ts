// Requests arriving together share their inserts and reads (src/db/shared-commands.ts): single
// event posts at a few hundred a second each cost FerretDB a commit and an fsync otherwise. What
// every request learns must stay its own: which of its events were new, and its own failures.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import type { EventRecord } from '../../src/db/events';
import { SharedInserts } from '../../src/db/shared-commands';
import { watchedRepositories } from '../support/commands';
import { uniqueId } from '../support/stack';

const REQUESTS = 20;

function eventOf(id: string, userId: string): EventRecord {
  const at = new Date();
  return { _id: id, userId, name: 'page_viewed', properties: {}, timestamp: at, receivedAt: at };
}

describe('commands shared by requests arriving together (real FerretDB)', function () {
  this.timeout(60_000);
  let repositories: Repositories;
  let watched: Awaited<ReturnType<typeof watchedRepositories>>;

  before(async function () {
    watched = await watchedRepositories(uniqueId('shared-commands'));
    repositories = watched.repositories;
  });

  after(async () => repositories?.connection.close());

  it('events posted at once by many requests are inserted in one command, each request told which of its events were new', async function () {
    const ids = Array.from({ length: REQUESTS }, () => uniqueId('evt'));
    const earlier = ids.filter((_, i) => i % 4 === 0);
    await repositories.events.insertNew(earlier.map((id) => eventOf(id, 'u-earlier')));
    const { result, sent } = await watched.pointCommands(() =>
      Promise.all(ids.map((id, i) => repositories.events.insertNew([eventOf(id, `u-${i}`)]))),
    );
    result.forEach((stored, i) => {
      const repeat = earlier.includes(ids[i]);
      assert.equal(stored.duplicates, repeat ? 1 : 0, `request ${i}`);
      assert.deepEqual(
        stored.inserted.map((e) => e._id),
        repeat ? [] : [ids[i]],
      );
    });
    const inserts = sent.filter((c) => c === 'insert events').length;
    assert.ok(inserts < 5, `${REQUESTS} requests' events in ${inserts} inserts`);
  });

  it('a document refused for another reason than a duplicate fails only the request that sent it', async function () {
    const collection = repositories.connection.collection<{ _id: string; value?: unknown }>(uniqueId('shared'));
    const shared = new SharedInserts<{ _id: string; value?: unknown }>((docs) =>
      collection.insertMany(docs, { ordered: false }),
    );
    const first = uniqueId('doc');
    const [stored, refused, repeated] = await Promise.allSettled([
      shared.insert([{ _id: first }, { _id: uniqueId('doc') }]),
      // FerretDB 1.24 stores no nested arrays.
      shared.insert([{ _id: uniqueId('doc'), value: [[1, 2]] }]),
      shared.insert([{ _id: uniqueId('doc') }, { _id: first }]),
    ]);
    assert.deepEqual(stored, { status: 'fulfilled', value: new Set() });
    assert.equal(refused.status, 'rejected');
    assert.deepEqual(
      repeated,
      { status: 'fulfilled', value: new Set([1]) },
      'its second document was stored just before',
    );
    assert.equal(await collection.countDocuments(), 3);
  });

  it("known users' profiles merged by requests at once are read in one command and keep each request's properties", async function () {
    const users = Array.from({ length: REQUESTS }, () => uniqueId('user'));
    const seenAt = new Date();
    await repositories.profiles.merge(users.map((userId) => ({ userId, properties: { plan: 'free' }, seenAt })));
    // A user seen before: its guessed insert loses, so the next requests read first (profiles.ts).
    await repositories.profiles.merge([{ userId: users[0], properties: { plan: 'free' }, seenAt }]);
    const { sent } = await watched.pointCommands(() =>
      Promise.all(
        users.map((userId, i) =>
          repositories.profiles.merge([{ userId, properties: { plan: i % 2 ? 'pro' : 'free', n: i }, seenAt }]),
        ),
      ),
    );
    const reads = sent.filter((c) => c === 'find profiles').length;
    assert.ok(reads < 5, `${REQUESTS} requests' profiles read in ${reads} commands`);
    for (const [i, userId] of users.entries())
      assert.deepEqual((await repositories.profiles.get(userId))?.properties, { plan: i % 2 ? 'pro' : 'free', n: i });
  });
});

// Profiles are merged from every event's userProperties, in batches of up to 1,000 events.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { watchedRepositories } from '../support/commands';
import { testRepositories, uniqueId } from '../support/stack';

describe('profile merges', function () {
  this.timeout(120_000);
  let repositories: Repositories;

  before(async function () {
    repositories = await testRepositories(uniqueId('profiles'));
  });

  after(async function () {
    await repositories?.connection.close();
  });

  it('updates hundreds of known users from one batch (FerretDB stalls on one update command of that size)', async function () {
    const users = Array.from({ length: 300 }, (_, i) => `${uniqueId('bulk')}-${i}`);
    const at = new Date();
    await repositories.profiles.merge(users.map((userId) => ({ userId, properties: { plan: 'free' }, seenAt: at })));
    await repositories.profiles.merge(
      users.map((userId, i) => ({ userId, properties: { plan: 'pro', rank: i }, seenAt: at })),
    );
    for (const i of [0, 150, 299])
      assert.deepEqual((await repositories.profiles.get(users[i]))?.properties, { plan: 'pro', rank: i });
  });

  it("reads a batch's 500 known users in one command by _id, and writes nothing when nothing changed", async function () {
    const database = uniqueId('profile-reads');
    const writer = await testRepositories(database);
    const watched = await watchedRepositories(database);
    try {
      const users = Array.from({ length: 500 }, (_, i) => `${uniqueId('known')}-${i}`);
      const updates = users.map((userId) => ({ userId, properties: { plan: 'free' }, seenAt: new Date() }));
      await writer.profiles.merge(updates);
      // The first merge of a process notes the property names it has not seen (property-catalog.ts).
      await watched.repositories.profiles.merge([updates[0]]);
      const again = await watched.pointCommands(() => watched.repositories.profiles.merge(updates));
      assert.equal(again.commands, 1);
      assert.deepEqual((await writer.profiles.get(users[499]))?.properties, { plan: 'free' });
    } finally {
      await Promise.all([writer.connection.close(), watched.repositories.connection.close()]);
    }
  });

  it('keeps properties an event does not mention, the first time seen, and the last time seen to the minute', async function () {
    const userId = uniqueId('user');
    const t0 = new Date('2026-01-01T00:00:00Z');
    await repositories.profiles.merge([{ userId, properties: { plan: 'free', city: 'Seoul' }, seenAt: t0 }]);
    await repositories.profiles.merge([
      { userId, properties: { plan: 'free' }, seenAt: new Date(t0.getTime() + 10_000) },
    ]);
    assert.equal(
      (await repositories.profiles.get(userId))?.lastSeen.getTime(),
      t0.getTime(),
      'a repeat within the minute writes nothing',
    );
    const later = new Date(t0.getTime() + 120_000);
    await repositories.profiles.merge([{ userId, properties: { plan: 'pro' }, seenAt: later }]);
    const earlier = new Date(t0.getTime() - 1_000);
    await repositories.profiles.merge([{ userId, properties: {}, seenAt: earlier }]);
    const profile = await repositories.profiles.get(userId);
    assert.deepEqual(profile?.properties, { plan: 'pro', city: 'Seoul' });
    assert.equal(profile?.firstSeen.getTime(), earlier.getTime());
    assert.equal(profile?.lastSeen.getTime(), later.getTime());
  });

  it('creates a new user without reading first while such guesses land, and reads first once they mostly lose', async function () {
    const database = uniqueId('profile-guesses');
    const watched = await watchedRepositories(database);
    const profiles = watched.repositories.profiles;
    const seen = (userId: string, plan: string) =>
      profiles.merge([{ userId, properties: { plan }, seenAt: new Date() }]);
    const onProfiles = async (merge: () => Promise<void>) =>
      (await watched.pointCommands(merge)).sent.filter((c) => / profile(s|_directory)$/.test(c));
    try {
      const [known, other] = [uniqueId('known'), uniqueId('other')];
      await seen(known, 'free');
      assert.deepEqual(await onProfiles(() => seen(other, 'free')), ['insert profile_directory', 'insert profiles']);
      // A guess that loses: the user existed, so it is taken back out of the directory (and
      // counted as taken back), and its profile is read and merged after all.
      assert.deepEqual(await onProfiles(() => seen(known, 'pro')), [
        'insert profile_directory',
        'insert profiles',
        'update profile_directory',
        'update profile_directory',
        'find profiles',
        'update profiles',
      ]);
      assert.deepEqual((await profiles.get(known))?.properties, { plan: 'pro' });
      // One of three lost: more than guessing bears, so the next merge reads first.
      assert.deepEqual(await onProfiles(() => seen(other, 'team')), ['find profiles', 'update profiles']);
      assert.deepEqual((await profiles.get(other))?.properties, { plan: 'team' });
      const listed = await watched.repositories.audience.findMatchingUsers(
        { field: 'user.properties.plan', op: 'exists', value: true },
        { now: Date.now() },
        undefined,
        10,
      );
      assert.deepEqual([...listed].sort(), [known, other].sort());
    } finally {
      await watched.repositories.connection.close();
    }
  });

  it('loses no property when two gateways create the same new user at once', async function () {
    const userId = uniqueId('racer');
    const at = new Date();
    await Promise.all([
      repositories.profiles.merge([{ userId, properties: { a: 1 }, seenAt: at }]),
      repositories.profiles.merge([{ userId, properties: { b: 2 }, seenAt: at }]),
    ]);
    assert.deepEqual((await repositories.profiles.get(userId))?.properties, { a: 1, b: 2 });
  });
});

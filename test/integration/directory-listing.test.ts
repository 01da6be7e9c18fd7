// The profile directory lists each user once (profile-directory.ts): a fan-out enters everyone
// once and a preview counts everyone once, also when two gateways created the same new users at
// once or a gateway died between registering a user and creating its profile.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { ProfileDirectory } from '../../src/db/profile-directory';
import type { Condition } from '../../src/domain/condition';
import { watchedRepositories } from '../support/commands';
import { testRepositories, uniqueId } from '../support/stack';

const NOW = Date.now();
const PAGE = 7;

describe('the profile directory lists each user once (real FerretDB)', function () {
  this.timeout(120_000);
  const database = uniqueId('directory-listing');
  let [first, second]: Repositories[] = [];
  let watched: Awaited<ReturnType<typeof watchedRepositories>>;

  before(async function () {
    [first, second] = await Promise.all([testRepositories(database), testRepositories(database)]);
    watched = await watchedRepositories(database);
  });

  after(async () =>
    Promise.all([first.connection.close(), second.connection.close(), watched.repositories.connection.close()]),
  );

  const team = (name: string): Condition => ({ field: 'user.properties.team', op: 'eq', value: name });
  const create = (repositories: Repositories, users: string[], name: string) =>
    repositories.profiles.merge(users.map((userId) => ({ userId, properties: { team: name }, seenAt: new Date(NOW) })));

  /** Every user a fan-out of the audience enters, paging as it does (PAGE at a time, resuming after the last). */
  async function fanOut(condition: Condition): Promise<string[]> {
    const found: string[] = [];
    for (let after: string | undefined; ; after = found.at(-1)) {
      const page = await first.audience.findMatchingUsers(condition, { now: NOW }, after, PAGE);
      found.push(...page);
      if (page.length < PAGE) return found;
    }
  }

  it('lists users two gateways created at once once each, for fan-out and preview', async function () {
    const users = Array.from({ length: 30 }, (_, i) => uniqueId(`both-${i}`));
    await Promise.all([create(first, users, 'both'), create(second, users.slice(10), 'both')]);
    const found = await fanOut(team('both'));
    assert.deepEqual([...found].sort(), [...users].sort());
    const preview = await second.audience.preview(team('both'), { now: NOW }, 3);
    assert.deepEqual({ count: preview.count, exact: preview.exact }, { count: users.length, exact: true });
  });

  it('lists once a user registered again after a gateway died before creating its profile', async function () {
    const users = Array.from({ length: 12 }, (_, i) => uniqueId(`ghost-${i}`));
    // As a gateway leaves it that died after registering these users, before their profiles.
    await new ProfileDirectory(second.connection).add(users);
    await create(first, users, 'ghost');
    const found = await fanOut(team('ghost'));
    assert.deepEqual([...found].sort(), [...users].sort());
    const preview = await first.audience.preview(team('ghost'), { now: NOW }, 3);
    assert.equal(preview.count, users.length);
  });

  it('keeps out every user taken back out of one entry at once, and counts none of them', async function () {
    const alone = await testRepositories(uniqueId('directory-release'));
    try {
      const directory = new ProfileDirectory(alone.connection);
      const users = ['lost-a', 'lost-b', 'kept-c'];
      const registered = await directory.add(users);
      // Two lost guesses from one registration, answered at once.
      await Promise.all([registered.release(['lost-a']), registered.release(['lost-b'])]);
      const survey = await directory.survey();
      const listed: string[] = [];
      for await (const chunk of survey.entries) listed.push(...chunk.ids);
      assert.deepEqual({ total: survey.total, listed }, { total: 1, listed: ['kept-c'] });
    } finally {
      await alone.connection.close();
    }
  });

  it("registers a new user with one insert, its place kept on the user's profile", async function () {
    // The first merge of a process notes the property names it has not seen (property-catalog.ts).
    await create(watched.repositories, [uniqueId('warm-up')], 'solo');
    const userId = uniqueId('solo');
    const { sent } = await watched.pointCommands(() => create(watched.repositories, [userId], 'solo'));
    assert.deepEqual(
      sent.filter((c) => / profile(s|_directory)$/.test(c)),
      ['insert profile_directory', 'insert profiles'],
    );
    assert.ok((await fanOut(team('solo'))).includes(userId));
  });
});

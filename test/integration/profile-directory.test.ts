// Audiences over many users and the user view's journeys, on the real FerretDB, which serves
// only a filter of exactly { _id } from an index and reads the whole collection for any other:
// a page of a fan-out audience, a segment preview and a user's journeys must each send a bounded
// number of commands, each naming one _id (watched as in event-history.test.ts).
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import type { Condition } from '../../src/domain/condition';
import { watchedRepositories } from '../support/commands';
import { testRepositories, uniqueId } from '../support/stack';

const NOW = Date.now();
/** Profiles stored: a scan of them per page is unmistakable. */
const PROFILES = 3_000;
const PAGE = 100;
const GOLD: Condition = { field: 'user.properties.tier', op: 'eq', value: 'gold' };

const member = (i: number) => `member-${String(i).padStart(5, '0')}`;
const isGold = (i: number) => i % 3 === 0;

describe('audiences and user views with many profiles stored (real FerretDB)', function () {
  this.timeout(300_000);
  const database = uniqueId('directory');
  let repositories: Repositories;
  let watched: Awaited<ReturnType<typeof watchedRepositories>>;

  before(async function () {
    repositories = await testRepositories(database);
    watched = await watchedRepositories(database);
    // As a site's traffic creates them: batches of new users, each registered on creation.
    for (let first = 0; first < PROFILES; first += 500) {
      const updates = Array.from({ length: 500 }, (_, k) => ({
        userId: member(first + k),
        properties: { tier: isGold(first + k) ? 'gold' : 'silver' },
        seenAt: new Date(NOW),
      }));
      await repositories.profiles.merge(updates);
    }
  });

  after(async () => Promise.all([repositories.connection.close(), watched.repositories.connection.close()]));

  it('a batch of events naming many known users reads their profiles in one command by _id', async function () {
    const profiles = watched.repositories.profiles;
    const seen = (first: number, count: number, plan: string) =>
      Array.from({ length: count }, (_, k) => ({
        userId: member(first + k),
        properties: { plan },
        seenAt: new Date(),
      }));
    // The first merge of a process notes property names it has not seen (property-catalog.ts).
    await profiles.merge(seen(0, 21, 'free'));
    const batch = await watched.pointCommands(() => profiles.merge(seen(100, 50, 'pro')));
    // One read by _id ($in), then the changed profiles written 50 to a command.
    assert.ok(batch.commands <= 2, `the merge took ${batch.commands} commands`);
    assert.deepEqual((await repositories.profiles.get(member(149)))?.properties, { tier: 'silver', plan: 'pro' });
  });

  it('pages through a fan-out audience reading each page by _id, in commands bounded by the page', async function () {
    const audience = watched.repositories.audience;
    const found: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await watched.pointCommands(() => audience.findMatchingUsers(GOLD, { now: NOW }, after, PAGE));
      // A page reads the placement it resumes at, directory chunks and each chunk's profiles in
      // one command ($in by _id), and one read past the end of each of the directory's 16 lanes
      // it passes (which of them this process and the test's other one write to is random).
      assert.ok(page.commands <= 30, `a page took ${page.commands} commands`);
      found.push(...page.result);
      if (page.result.length < PAGE) break;
      after = page.result[page.result.length - 1];
    }
    const expected = Array.from({ length: PROFILES }, (_, i) => i)
      .filter(isGold)
      .map(member);
    assert.deepEqual([...found].sort(), expected);
    assert.equal(new Set(found).size, found.length, 'each member once');
  });

  it('a page with a behavioural term reads each candidate and its history by _id', async function () {
    const lapsedGold: Condition = { all: [GOLD, { notPerformed: 'purchase', within: '30d' }] };
    const page = await watched.pointCommands(() =>
      watched.repositories.audience.findMatchingUsers(lapsedGold, { now: NOW }, undefined, PAGE),
    );
    assert.equal(page.result.length, PAGE);
    assert.ok(page.commands <= 6 * 3 * PAGE, `a page took ${page.commands} commands`);
  });

  /**
   * Of `runs` previews of `condition`, how many held `truth` within their margin. Each samples
   * anew, and a 95% margin misses about one preview in 20, so one preview proves little either
   * way; 30 that mostly miss prove a margin too narrow.
   */
  async function withinMargin(condition: Condition, truth: number, runs: number): Promise<number> {
    let held = 0;
    for (let run = 0; run < runs; run++) {
      const result = await repositories.audience.preview(condition, { now: NOW }, 5);
      assert.equal(result.exact, false);
      if (Math.abs(result.count - truth) <= result.margin!) held++;
    }
    return held;
  }

  it('a preview past its bound examines a bounded sample by _id and says it estimates', async function () {
    const { result, commands } = await watched.pointCommands(() =>
      watched.repositories.audience.preview(GOLD, { now: NOW }, 5),
    );
    assert.equal(result.exact, false);
    assert.equal(result.sample.length, 5);
    assert.ok(commands <= 250, `the preview took ${commands} commands`);
    const held = await withinMargin(GOLD, PROFILES / 3, 30);
    assert.ok(held >= 22, `${held} of 30 previews held the true size within their margin`);
  });

  it('a preview past its bound estimates within its margin when users alike were created together', async function () {
    // An import: 1,000 users created at once fill whole chunks of the directory, which a
    // sample of a few whole chunks would count as none or as several times too many.
    for (let first = 0; first < 1_000; first += 500)
      await repositories.profiles.merge(
        Array.from({ length: 500 }, (_, k) => ({
          userId: `imported-${first + k}`,
          properties: { source: 'import' },
          seenAt: new Date(NOW),
        })),
      );
    const imported: Condition = { field: 'user.properties.source', op: 'eq', value: 'import' };
    const held = await withinMargin(imported, 1_000, 30);
    assert.ok(held >= 22, `${held} of 30 previews held the true size within their margin`);
  });

  it('profiles stored before the directory existed are registered on start, and found', async function () {
    const legacy = uniqueId('legacy-profiles');
    const before = await testRepositories(legacy);
    await before.connection.collection<{ _id: string }>('profiles').insertMany(
      ['old-a', 'old-b', 'old-c'].map((_id) => ({
        _id,
        properties: { tier: 'gold' },
        firstSeen: new Date(NOW),
        lastSeen: new Date(NOW),
      })),
    );
    await before.connection.collection('profile_directory').deleteOne({ _id: 'migrated:profiles' as never });
    await before.connection.close();
    const restarted = await testRepositories(legacy);
    try {
      await restarted.profiles.merge([{ userId: 'new-d', properties: { tier: 'gold' }, seenAt: new Date(NOW) }]);
      const found = await restarted.audience.findMatchingUsers(GOLD, { now: NOW }, undefined, PAGE);
      assert.deepEqual([...found].sort(), ['new-d', 'old-a', 'old-b', 'old-c']);
      assert.deepEqual(await restarted.audience.findMatchingUsers(GOLD, { now: NOW }, found[1], PAGE), found.slice(2));
    } finally {
      await restarted.connection.close();
    }
  });

  it("the user view reads the user's journeys by _id, latest first", async function () {
    const userId = member(7);
    const campaigns = repositories.connection.collection<{ _id: string }>('campaigns');
    await campaigns.insertMany([{ _id: 'welcome' }, { _id: 'winback' }, { _id: 'orders' }]);
    // Journeys of other users: a scan of them is unmistakable.
    await repositories.connection.collection<{ _id: string }>('journeys').insertMany(
      Array.from({ length: 2_000 }, (_, i) => ({
        _id: `journey/welcome/${member(1_000 + i)}`,
        campaignId: 'welcome',
        userId: member(1_000 + i),
        runId: 'r',
        status: 'ended',
        enteredAt: new Date(NOW),
      })),
    );
    const admit = (journeyId: string, campaignId: string, minutesAgo: number) =>
      repositories.journeys.admit({
        journeyId,
        runId: uniqueId('run'),
        campaignId,
        userId,
        campaignVersion: 1,
        reentry: { mode: 'afterCompletion' as const },
        now: new Date(NOW - minutesAgo * 60_000),
      });
    await admit(`journey/welcome/${userId}`, 'welcome', 30);
    await admit(`journey/orders/${userId}/o-1`, 'orders', 20);
    await admit(`journey/orders/${userId}/o-2`, 'orders', 10);
    await admit(`journey/winback/${userId}`, 'winback', 5);
    const isCampaignIds = (e: { commandName: string; command: Record<string, unknown> }) =>
      e.commandName === 'find' && e.command.find === 'campaigns';
    const { result, commands } = await watched.pointCommands(
      () => watched.repositories.journeys.listForUser(userId, 50),
      isCampaignIds,
    );
    assert.deepEqual(
      result.map((j) => j._id),
      [
        `journey/winback/${userId}`,
        `journey/orders/${userId}/o-2`,
        `journey/orders/${userId}/o-1`,
        `journey/welcome/${userId}`,
      ],
    );
    assert.ok(commands <= 12, `the listing took ${commands} commands`);
  });
});

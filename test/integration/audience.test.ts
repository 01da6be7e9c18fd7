// Behavioural terms, profile ages, valueFrom and segment references, evaluated by the
// AudienceQuery against real FerretDB.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import type { Condition } from '../../src/domain/condition';
import { testRepositories, uniqueId } from '../support/stack';
import { storeEvents } from '../support/events';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const DAY = 86_400_000;

describe('AudienceQuery on FerretDB', function () {
  this.timeout(120_000);
  let repositories: Repositories;
  const context = { now: NOW };

  async function seen(userId: string, daysAgo: number, properties: Record<string, unknown> = {}) {
    await repositories.profiles.merge([{ userId, properties, seenAt: new Date(NOW - daysAgo * DAY) }]);
  }

  async function did(userId: string, name: string, daysAgo: number, properties: Record<string, unknown> = {}) {
    const timestamp = new Date(NOW - daysAgo * DAY);
    await storeEvents(repositories.events, [
      { _id: uniqueId('e'), userId, name, properties, timestamp, receivedAt: timestamp },
    ]);
  }

  async function matching(condition: Condition): Promise<string[]> {
    return repositories.audience.findMatchingUsers(condition, context, undefined, 100);
  }

  before(async () => {
    repositories = await testRepositories(uniqueId('audience'));
    // ann: 3 purchases this month, one of them big; bob: 1 old purchase; cat: logs in; dan: new, nothing.
    await seen('ann', 40, { tier: 'gold', bookmarks: ['p1', 'p2'] });
    await seen('ann', 1);
    await seen('bob', 100, { tier: 'silver', bookmarks: ['p2'] });
    await seen('bob', 50);
    await seen('cat', 20, { tier: 'gold' });
    await seen('cat', 0);
    await seen('dan', 2, { bookmarks: [] });
    for (const [days, amount] of [
      [1, 10],
      [5, 250],
      [20, 30],
    ])
      await did('ann', 'purchase', days, { amount });
    await did('bob', 'purchase', 45, { amount: 500 });
    await did('cat', 'login', 3);
    await did('bob', 'login', 9);
  });
  after(async () => repositories.connection.close());

  it('performed with atLeast within a window counts only recent events', async () => {
    assert.deepEqual(await matching({ performed: 'purchase', within: '30d' }), ['ann']);
    assert.deepEqual(await matching({ performed: 'purchase', within: '60d' }), ['ann', 'bob']);
    assert.deepEqual(await matching({ performed: 'purchase', atLeast: 3, within: '30d' }), ['ann']);
    assert.deepEqual(await matching({ performed: 'purchase', atLeast: 3, within: '10d' }), []);
    assert.deepEqual(await matching({ performed: 'purchase', atMost: 1, within: '60d' }), ['bob', 'cat', 'dan']);
  });

  it('performed with a where on the counted events', async () => {
    const big = {
      performed: 'purchase',
      where: { field: 'event.properties.amount', op: 'gte', value: 100 },
      within: '30d',
    } as Condition;
    assert.deepEqual(await matching(big), ['ann']);
    assert.deepEqual(await matching({ ...big, within: '4d' } as Condition), []);
  });

  it('notPerformed is true for users without such events in the window, profiles without any events too', async () => {
    assert.deepEqual(await matching({ notPerformed: 'login', within: '7d' }), ['ann', 'bob', 'dan']);
  });

  it('firstSeen olderThan and lastSeen newerThan compare with now', async () => {
    assert.deepEqual(await matching({ field: 'user.firstSeen', op: 'olderThan', value: '30d' }), ['ann', 'bob']);
    assert.deepEqual(await matching({ field: 'user.lastSeen', op: 'newerThan', value: '7d' }), ['ann', 'cat', 'dan']);
  });

  it('combines behavioural terms with property comparisons under all, any and not', async () => {
    const lapsedGold: Condition = {
      all: [
        { field: 'user.properties.tier', op: 'eq', value: 'gold' },
        { not: { performed: 'purchase', within: '30d' } },
      ],
    };
    assert.deepEqual(await matching(lapsedGold), ['cat']);
    const either: Condition = {
      any: [
        { performed: 'login', within: '7d' },
        { field: 'user.properties.tier', op: 'eq', value: 'silver' },
      ],
    };
    assert.deepEqual(await matching(either), ['bob', 'cat']);
  });

  it('matches checks one user, and a user without a profile counts as one without properties', async () => {
    assert.equal(
      await repositories.audience.matches('ann', { performed: 'purchase', atLeast: 2, within: '30d' }, context),
      true,
    );
    assert.equal(
      await repositories.audience.matches('bob', { performed: 'purchase', atLeast: 2, within: '30d' }, context),
      false,
    );
    const notGold: Condition = { field: 'user.properties.tier', op: 'ne', value: 'gold' };
    assert.equal(await repositories.audience.matches('nobody', notGold, context), true);
    assert.equal(await repositories.audience.matches('ann', notGold, context), false);
    assert.equal(
      await repositories.audience.matches(
        'nobody',
        { field: 'user.properties.tier', op: 'eq', value: 'gold' },
        context,
      ),
      false,
    );
  });

  it('valueFrom compares a user field with the triggering event', async () => {
    const bookmarked: Condition = {
      field: 'user.properties.bookmarks',
      op: 'contains',
      valueFrom: 'event.properties.productId',
    };
    const ids = (productId: unknown) =>
      repositories.audience.findMatchingUsers(
        bookmarked,
        { ...context, event: { properties: { productId } } },
        undefined,
        100,
      );
    assert.deepEqual(await ids('p2'), ['ann', 'bob']);
    assert.deepEqual(await ids('p1'), ['ann']);
    assert.deepEqual(await ids(undefined), []);
  });

  it('pages through matching users in the order profiles were created and resumes after the last id', async () => {
    const active: Condition = {
      any: [
        { performed: 'purchase', within: '60d' },
        { performed: 'login', within: '60d' },
      ],
    };
    const first = await repositories.audience.findMatchingUsers(active, context, undefined, 2);
    assert.deepEqual(first, ['ann', 'bob']);
    assert.deepEqual(await repositories.audience.findMatchingUsers(active, context, first[1], 2), ['cat']);
    assert.deepEqual(await repositories.audience.preview(active, context, 2), {
      count: 3,
      exact: true,
      sample: ['ann', 'bob'],
    });
    assert.deepEqual(
      await repositories.audience.preview({ field: 'user.properties.tier', op: 'exists', value: true }, context, 5),
      { count: 3, exact: true, sample: ['ann', 'bob', 'cat'] },
    );
  });

  it('past its bound, a preview estimates the count from the profiles it examined, with a margin', async () => {
    const everyone: Condition = { notPerformed: 'nothing_ever', within: '7d' };
    // The profiles examined are a random sample: here two of the four. Both matched, which says
    // that 2 to 4 do, not that exactly 4 do.
    const { sample, ...estimate } = await repositories.audience.preview(everyone, context, 10, 2);
    assert.deepEqual(estimate, { count: 4, exact: false, margin: 2 });
    assert.equal(sample.length, 2);
    assert.ok(sample.every((id) => ['ann', 'bob', 'cat', 'dan'].includes(id)));
    const preview = await repositories.audience.preview({ performed: 'login', within: '60d' }, context, 10, 2);
    assert.equal(preview.exact, false);
    assert.ok(
      preview.margin! > 0 && preview.count - preview.margin! <= 2 && preview.count + preview.margin! >= 2,
      JSON.stringify(preview),
    );
  });

  it('resolves segment references, also nested, and refuses unknown ones', async () => {
    await repositories.segments.create({
      id: 'buyers',
      name: 'Buyers',
      condition: { performed: 'purchase', within: '60d' },
    });
    await repositories.segments.create({
      id: 'gold-buyers',
      name: 'Gold buyers',
      condition: { all: [{ segment: 'buyers' }, { field: 'user.properties.tier', op: 'eq', value: 'gold' }] },
    });
    assert.deepEqual(await matching({ segment: 'gold-buyers' }), ['ann']);
    assert.deepEqual(await matching({ not: { segment: 'buyers' } }), ['cat', 'dan']);
    await assert.rejects(matching({ segment: 'nope' }), /segment "nope" does not exist/);
  });
});

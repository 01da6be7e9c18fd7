import assert from 'node:assert/strict';
import {
  ConditionNeedsDatabaseError,
  conditionFields,
  evaluateCondition,
  type Condition,
} from '../../src/domain/condition';

// A journey scope as a marketer's conditions see it.
const scope = {
  user: {
    id: 'u1',
    properties: {
      tier: 'gold',
      age: 34,
      country: 'FR',
      email: 'ana@shop.example',
      tags: ['vip', 'newsletter'],
      optedOut: false,
      phone: null,
    },
  },
  event: {
    id: 'e1',
    name: 'price_dropped',
    timestamp: '2026-11-28T09:00:00Z',
    properties: { dropPercent: 15, sku: 'SKU-42' },
  },
  campaign: { id: 'price-drop', name: 'Price drop' },
  journey: { id: 'j1' },
};

const tier = 'user.properties.tier';
const age = 'user.properties.age';

describe('evaluateCondition', () => {
  const cases: Array<[string, Condition, boolean]> = [
    ['eq matches an equal string', { field: tier, op: 'eq', value: 'gold' }, true],
    ['eq does not match another string', { field: tier, op: 'eq', value: 'silver' }, false],
    ['eq does not coerce a number to a string', { field: age, op: 'eq', value: '34' }, false],
    ['eq matches false exactly', { field: 'user.properties.optedOut', op: 'eq', value: false }, true],
    ['eq null matches a stored null', { field: 'user.properties.phone', op: 'eq', value: null }, true],
    ['eq null does not match a missing field', { field: 'user.properties.fax', op: 'eq', value: null }, false],
    ['ne matches a different value', { field: tier, op: 'ne', value: 'silver' }, true],
    ['ne does not match the same value', { field: tier, op: 'ne', value: 'gold' }, false],
    ['gt on numbers', { field: 'event.properties.dropPercent', op: 'gt', value: 10 }, true],
    ['gt is strict', { field: 'event.properties.dropPercent', op: 'gt', value: 15 }, false],
    ['gte includes the bound', { field: 'event.properties.dropPercent', op: 'gte', value: 15 }, true],
    ['lt on numbers', { field: age, op: 'lt', value: 18 }, false],
    ['lte includes the bound', { field: age, op: 'lte', value: 34 }, true],
    [
      'gt on ISO timestamps compares dates',
      { field: 'event.timestamp', op: 'gt', value: '2026-11-01T00:00:00Z' },
      true,
    ],
    ['gt never compares a number with a string', { field: age, op: 'gt', value: '1' }, false],
    ['lt on a missing field is false', { field: 'user.properties.score', op: 'lt', value: 100 }, false],
    ['in matches a listed value', { field: 'user.properties.country', op: 'in', value: ['FR', 'DE'] }, true],
    ['in does not match an unlisted value', { field: 'user.properties.country', op: 'in', value: ['US'] }, false],
    ['nin matches an unlisted value', { field: 'user.properties.country', op: 'nin', value: ['US', 'CA'] }, true],
    ['nin does not match a listed value', { field: 'user.properties.country', op: 'nin', value: ['FR'] }, false],
    ['exists true on a present field', { field: tier, op: 'exists', value: true }, true],
    ['exists true on a null field is false', { field: 'user.properties.phone', op: 'exists', value: true }, false],
    ['exists false on a missing field', { field: 'user.properties.fax', op: 'exists', value: false }, true],
    ['exists false on a present field', { field: tier, op: 'exists', value: false }, false],
    ['contains finds a substring', { field: 'user.properties.email', op: 'contains', value: '@shop.' }, true],
    ['contains finds an array item', { field: 'user.properties.tags', op: 'contains', value: 'vip' }, true],
    ['contains misses an absent array item', { field: 'user.properties.tags', op: 'contains', value: 'vi' }, false],
    ['contains on a number is false', { field: age, op: 'contains', value: 3 }, false],
    ['startsWith matches a prefix', { field: 'event.properties.sku', op: 'startsWith', value: 'SKU-' }, true],
    ['startsWith is case sensitive', { field: 'event.properties.sku', op: 'startsWith', value: 'sku-' }, false],
    ['a prototype field never exists', { field: 'user.properties.constructor', op: 'exists', value: true }, false],
  ];
  for (const [name, condition, expected] of cases) {
    it(name, () => assert.equal(evaluateCondition(condition, scope), expected));
  }

  const gold: Condition = { field: tier, op: 'eq', value: 'gold' };
  const minor: Condition = { field: age, op: 'lt', value: 18 };
  const groups: Array<[string, Condition, boolean]> = [
    ['all needs every condition', { all: [gold, minor] }, false],
    ['all of true conditions matches', { all: [gold, { not: minor }] }, true],
    ['any needs one condition', { any: [minor, gold] }, true],
    ['any of false conditions does not match', { any: [minor, { not: gold }] }, false],
    ['not inverts', { not: minor }, true],
    [
      'groups nest',
      { any: [minor, { all: [gold, { field: 'user.properties.country', op: 'in', value: ['FR'] }] }] },
      true,
    ],
  ];
  for (const [name, condition, expected] of groups) {
    it(name, () => assert.equal(evaluateCondition(condition, scope), expected));
  }
});

describe('conditionFields', () => {
  it('lists every field a nested condition reads', () => {
    const condition: Condition = {
      all: [
        { field: 'event.properties.a', op: 'exists', value: true },
        { any: [{ not: { field: 'user.id', op: 'eq', value: 'x' } }] },
      ],
    };
    assert.deepEqual(conditionFields(condition), ['event.properties.a', 'user.id']);
  });
});

describe('evaluateCondition with behavioural terms, ages and valueFrom', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  const scope = {
    user: { id: 'u1', properties: { bookmarks: ['p1', 'p2'] }, firstSeen: new Date(now - 40 * 86_400_000) },
    event: { properties: { productId: 'p2', other: 'p9' } },
  };

  it('reads valueFrom in the event', () => {
    assert.equal(
      evaluateCondition(
        { field: 'user.properties.bookmarks', op: 'contains', valueFrom: 'event.properties.productId' },
        scope,
      ),
      true,
    );
    assert.equal(
      evaluateCondition(
        { field: 'user.properties.bookmarks', op: 'contains', valueFrom: 'event.properties.other' },
        scope,
      ),
      false,
    );
    assert.equal(
      evaluateCondition({ field: 'user.properties.bookmarks', op: 'ne', valueFrom: 'event.properties.missing' }, scope),
      false,
    );
  });

  it('compares firstSeen with now', () => {
    assert.equal(evaluateCondition({ field: 'user.firstSeen', op: 'olderThan', value: '30d' }, scope, { now }), true);
    assert.equal(evaluateCondition({ field: 'user.firstSeen', op: 'newerThan', value: '30d' }, scope, { now }), false);
    assert.equal(evaluateCondition({ field: 'user.lastSeen', op: 'newerThan', value: '30d' }, scope, { now }), false);
    assert.throws(
      () => evaluateCondition({ field: 'user.firstSeen', op: 'olderThan', value: '30d' }, scope),
      ConditionNeedsDatabaseError,
    );
  });

  it('takes behavioural outcomes and segments from what was counted, and refuses to guess them', () => {
    const bought: Condition = { performed: 'purchase', within: '7d' };
    const gold: Condition = { segment: 'gold' };
    const outcomes = new Map<Condition, boolean>([
      [bought, true],
      [gold, false],
    ]);
    assert.equal(evaluateCondition({ all: [bought, { not: gold }] }, scope, { outcomes }), true);
    assert.throws(
      () => evaluateCondition({ notPerformed: 'login', within: '7d' }, scope, { outcomes }),
      ConditionNeedsDatabaseError,
    );
  });

  it('reports behavioural terms and segments as user fields', () => {
    assert.deepEqual(conditionFields({ any: [{ performed: 'buy', within: '1d' }, { segment: 's1' }] }), [
      'user.events.buy',
      'user.segments.s1',
    ]);
  });
});

describe('how conditions read arrays', () => {
  const scope = { user: { properties: { tags: ['a', 'b'] } }, event: { properties: { items: [1, 2, 3] } } };

  it('reads a user array by index only, as the MongoDB query does', () => {
    assert.equal(evaluateCondition({ field: 'user.properties.tags.1', op: 'eq', value: 'b' }, scope), true);
    assert.equal(evaluateCondition({ field: 'user.properties.tags.length', op: 'exists', value: true }, scope), false);
  });

  it('reads event fields as templates do', () => {
    assert.equal(evaluateCondition({ field: 'event.properties.items.length', op: 'eq', value: 3 }, scope), true);
  });
});

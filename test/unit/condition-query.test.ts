import assert from 'node:assert/strict';
import fc from 'fast-check';
import { segmentReferences, type Condition } from '../../src/domain/condition';
import { behaviourOutcome, type HistoryEvent } from '../../src/domain/behaviour';
import { compileProfileFilter, type AudienceContext } from '../../src/domain/condition-query';
import { conditionSchema } from '../../src/domain/condition-schema';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const context: AudienceContext = { now: NOW, event: { properties: { productId: 'p42', tags: ['a'] } } };
const NEVER = { _id: { $in: [] } };
const notArray = (path: string) => ({
  $nor: [{ $or: [{ [path]: { $type: 'array' } }, { [`${path}.~array`]: { $exists: true } }] }],
});

function compiled(condition: Condition) {
  return compileProfileFilter(conditionSchema.parse(condition), context, new Map());
}

/** Every key anywhere in a filter, to check that only whitelisted operators appear. */
function keys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]);
}

const WHITELIST = new Set([
  '$and',
  '$or',
  '$nor',
  '$eq',
  '$ne',
  '$in',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$exists',
  '$type',
  '$regex',
]);

describe('compileProfileFilter', () => {
  it('eq is an exact, non-array match', () => {
    assert.deepEqual(compiled({ field: 'user.properties.tier', op: 'eq', value: 'gold' }), {
      $and: [{ 'properties.tier': { $eq: 'gold' } }, notArray('properties.tier')],
    });
  });

  it('eq null needs the field present, since MongoDB treats missing as null', () => {
    assert.deepEqual(compiled({ field: 'user.properties.tier', op: 'eq', value: null }), {
      $and: [
        { 'properties.tier': { $eq: null } },
        { 'properties.tier': { $exists: true } },
        notArray('properties.tier'),
      ],
    });
  });

  it('ne is the negation of eq, so it matches missing fields and arrays as the evaluator does', () => {
    assert.deepEqual(compiled({ field: 'user.properties.tier', op: 'ne', value: 'gold' }), {
      $nor: [{ $and: [{ 'properties.tier': { $eq: 'gold' } }, notArray('properties.tier')] }],
    });
  });

  it('contains a string matches a substring of a string or an equal element of an array, escaped literally', () => {
    assert.deepEqual(compiled({ field: 'user.properties.name', op: 'contains', value: 'a.b*' }), {
      $or: [
        { $and: [{ 'properties.name': { $regex: 'a\\.b\\*' } }, notArray('properties.name')] },
        { $and: [{ 'properties.name': { $type: 'array' } }, { 'properties.name': { $eq: 'a.b*' } }] },
      ],
    });
  });

  it('in with null matches a stored null but not a missing field', () => {
    assert.deepEqual(compiled({ field: 'user.properties.c', op: 'in', value: ['x', null] }), {
      $or: [
        { $and: [{ 'properties.c': { $in: ['x'] } }, notArray('properties.c')] },
        { $and: [{ 'properties.c': { $eq: null } }, { 'properties.c': { $exists: true } }, notArray('properties.c')] },
      ],
    });
  });

  it('a nested path does not look into arrays on the way', () => {
    assert.deepEqual(compiled({ field: 'user.properties.address.city', op: 'exists', value: true }), {
      $and: [
        notArray('properties.address'),
        { $or: [{ 'properties.address.city': { $type: 'array' } }, { 'properties.address.city': { $ne: null } }] },
      ],
    });
  });

  it('user.id is the profile _id', () => {
    assert.deepEqual(compiled({ field: 'user.id', op: 'startsWith', value: 'u.' }), {
      $and: [{ _id: { $regex: '^u\\.' } }, notArray('_id')],
    });
    assert.deepEqual(compiled({ field: 'user.id', op: 'eq', value: 'u1' }), {
      $and: [{ _id: { $eq: 'u1' } }, notArray('_id')],
    });
  });

  it('olderThan and newerThan compare firstSeen and lastSeen with now minus the duration', () => {
    assert.deepEqual(compiled({ field: 'user.firstSeen', op: 'olderThan', value: '30d' } as Condition), {
      firstSeen: { $lt: new Date(NOW - 30 * 86_400_000) },
    });
    assert.deepEqual(compiled({ field: 'user.lastSeen', op: 'newerThan', value: '2h' } as Condition), {
      lastSeen: { $gt: new Date(NOW - 2 * 3_600_000) },
    });
  });

  it('valueFrom puts the event value in place, and an unsuitable one never matches', () => {
    assert.deepEqual(
      compiled({ field: 'user.properties.bookmarks', op: 'eq', valueFrom: 'event.properties.productId' }),
      {
        $and: [{ 'properties.bookmarks': { $eq: 'p42' } }, notArray('properties.bookmarks')],
      },
    );
    assert.deepEqual(
      compiled({ field: 'user.properties.bookmarks', op: 'contains', valueFrom: 'event.properties.tags' }),
      NEVER,
    );
    assert.deepEqual(
      compiled({ not: { field: 'user.properties.bookmarks', op: 'eq', valueFrom: 'event.properties.missing' } }),
      {},
    );
  });

  it('fields outside the profile are decided before the query', () => {
    assert.deepEqual(
      compiled({
        all: [
          { field: 'event.properties.productId', op: 'eq', value: 'p42' },
          { field: 'user.properties.a', op: 'gt', value: 1 },
        ],
      }),
      {
        $and: [{ 'properties.a': { $gt: 1 } }, notArray('properties.a')],
      },
    );
    assert.deepEqual(compiled({ field: 'event.properties.productId', op: 'eq', value: 'other' }), NEVER);
  });

  it('behavioural terms become their counted outcome, or are relaxed to keep every possible match', () => {
    const bought = conditionSchema.parse({ performed: 'purchase', within: '7d' });
    const condition: Condition = { all: [{ field: 'user.properties.a', op: 'eq', value: 1 }, { not: bought }] };
    assert.deepEqual(compileProfileFilter(condition, context, new Map([[bought, true]])), NEVER);
    assert.deepEqual(
      compileProfileFilter(condition, context, new Map([[bought, false]])),
      compiled({ field: 'user.properties.a', op: 'eq', value: 1 }),
    );
    assert.deepEqual(
      compileProfileFilter(condition, context, 'relaxed'),
      compiled({ field: 'user.properties.a', op: 'eq', value: 1 }),
    );
  });

  it('a value that is an object or an operator name stays a value under $eq', () => {
    const filter = compiled({ field: 'user.properties.a', op: 'eq', value: '$where' });
    assert.deepEqual(filter, { $and: [{ 'properties.a': { $eq: '$where' } }, notArray('properties.a')] });
    assert.throws(
      () =>
        compileProfileFilter({ field: 'user.properties.a', op: 'eq', value: { $gt: '' } as never }, context, new Map()),
      /must be a string/,
    );
    assert.throws(
      () => compileProfileFilter({ field: 'user.properties.$where', op: 'eq', value: 1 }, context, new Map()),
      /not a plain field name/,
    );
    assert.throws(
      () => compileProfileFilter({ field: 'user.properties.__proto__', op: 'eq', value: 1 }, context, new Map()),
      /not a plain field name/,
    );
  });
});

describe('behaviourOutcome', () => {
  const DAY = 86_400_000;
  const event = (
    id: string,
    name: string,
    daysAgo: number,
    properties: Record<string, unknown> = {},
  ): HistoryEvent => ({
    id,
    name,
    timestamp: new Date(NOW - daysAgo * DAY),
    properties,
  });
  const history = [
    event('e1', 'purchase', 1, { amount: 250 }),
    event('e2', 'purchase', 10, { amount: 50 }),
    event('e3', 'purchase', 40, { amount: 500 }),
    event('e4', 'login', 2),
    // The same event appended twice (a retried post) counts once.
    event('e1', 'purchase', 1, { amount: 250 }),
  ];

  it("counts the user's named events in the window, each id once, that pass the where", () => {
    const term = (t: unknown) => conditionSchema.parse(t) as never;
    assert.equal(behaviourOutcome(term({ performed: 'purchase', atLeast: 2, within: '30d' }), history, NOW), true);
    assert.equal(behaviourOutcome(term({ performed: 'purchase', atLeast: 3, within: '30d' }), history, NOW), false);
    assert.equal(behaviourOutcome(term({ performed: 'purchase', atLeast: 3, within: '60d' }), history, NOW), true);
    const big = {
      performed: 'purchase',
      where: { field: 'event.properties.amount', op: 'gte', value: 100 },
      within: '30d',
    };
    assert.equal(behaviourOutcome(term({ ...big, atLeast: 2 }), history, NOW), false);
    assert.equal(behaviourOutcome(term({ ...big, atLeast: 1 }), history, NOW), true);
  });

  it('notPerformed accepts only none, atMost counts up to its bound', () => {
    assert.equal(behaviourOutcome({ notPerformed: 'login', within: '7d' }, history, NOW), false);
    assert.equal(behaviourOutcome({ notPerformed: 'login', within: '1d' }, history, NOW), true);
    assert.equal(behaviourOutcome({ performed: 'purchase', atMost: 2, within: '30d' }, history, NOW), true);
    assert.equal(behaviourOutcome({ performed: 'purchase', atMost: 1, within: '30d' }, history, NOW), false);
  });

  it('refuses a where that is not about event properties', () => {
    const where = { field: 'user.id', op: 'eq', value: 'u' } as Condition;
    assert.throws(
      () => behaviourOutcome({ performed: 'purchase', where, within: '7d' }, history, NOW),
      /not an event property/,
    );
  });
});

describe('injection attempts', () => {
  const attempts: Array<[string, unknown]> = [
    ['an operator object as value', { field: 'user.properties.a', op: 'eq', value: { $ne: null } }],
    ['$where as a key', { $where: 'sleep(1000)' }],
    ['$function beside a comparison', { field: 'user.properties.a', op: 'eq', value: 1, $function: {} }],
    ['an operator in the field path', { field: 'user.properties.$where', op: 'exists', value: true }],
    ['__proto__ in the field path', { field: 'user.__proto__.polluted', op: 'eq', value: 1 }],
    ['a dotted object key as value', { field: 'user.properties.a', op: 'in', value: [{ 'a.b': 1 }] }],
    ['an object inside an in list', { field: 'user.properties.a', op: 'in', value: [{ $gt: 0 }] }],
    ['an operator as valueFrom', { field: 'user.properties.a', op: 'eq', valueFrom: '$where' }],
    ['a user field as valueFrom', { field: 'user.properties.a', op: 'eq', valueFrom: 'user.properties.b' }],
    ['an operator in a behavioural where', { performed: 'buy', within: '1d', where: { $where: '1' } }],
    [
      'a user field in a behavioural where',
      { performed: 'buy', within: '1d', where: { field: 'user.properties.a', op: 'eq', value: 1 } },
    ],
    ['an operator as event name', { performed: '$where', within: '1d' }],
    ['an operator as segment id', { segment: '$where' }],
  ];
  for (const [name, input] of attempts) {
    it(`refuses ${name} in the schema`, () => assert.equal(conditionSchema.safeParse(input).success, false));
  }

  it('every filter of an accepted condition uses whitelisted operators only', () => {
    const condition = conditionSchema.parse({
      any: [
        { field: 'user.properties.a', op: 'contains', value: '$where' },
        { field: 'user.properties.a', op: 'nin', value: ['$function', null] },
        { not: { field: 'user.properties.b.c', op: 'startsWith', value: '.*' } },
        { field: 'user.properties.a', op: 'exists', value: false },
      ],
    });
    const used = keys(compileProfileFilter(condition, context, new Map())).filter((k) => k.startsWith('$'));
    assert.ok(used.length > 0);
    for (const key of used) assert.ok(WHITELIST.has(key), `${key} is not whitelisted`);
  });
});

describe('conditionSchema on arbitrary input', () => {
  it('never throws, and what it accepts compiles to whitelisted operators only', function () {
    this.timeout(30_000);
    const keysOf = [
      'all',
      'any',
      'not',
      'field',
      'op',
      'value',
      'valueFrom',
      'performed',
      'notPerformed',
      'where',
      'atLeast',
      'atMost',
      'within',
      'segment',
      '$where',
      '__proto__',
    ];
    const leaf = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(
        'user.properties.a',
        'event.properties.p',
        'eq',
        'in',
        'contains',
        'olderThan',
        '7d',
        'buy',
        '$gt',
      ),
    );
    const { node } = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom(...keysOf), tie('node'), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(node, (input) => {
        const parsed = conditionSchema.safeParse(input);
        // Segment references are expanded by the AudienceQuery before compiling.
        if (!parsed.success || segmentReferences(parsed.data).length > 0) return;
        const used = keys(compileProfileFilter(parsed.data, context, 'relaxed')).filter((k) => k.startsWith('$'));
        for (const key of used) assert.ok(WHITELIST.has(key), `${key} is not whitelisted`);
      }),
      { numRuns: 500 },
    );
  });
});

import assert from 'node:assert/strict';
import { eventBatchSchema, eventInputSchema, MAX_EVENTS_PER_BATCH } from '../../src/domain/event';

const event = { userId: 'u1', name: 'price_dropped', properties: { dropPercent: 15, sku: 'SKU-42', tags: ['a'] } };

/** Each issue as "path: message". */
function issues(schema: { safeParse(x: unknown): any }, input: unknown): string[] {
  const result = schema.safeParse(input);
  assert.equal(result.success, false, 'expected the input to be rejected');
  return result.error.issues.map(
    (issue: { path: PropertyKey[]; message: string }) => `${issue.path.join('.')}: ${issue.message}`,
  );
}

describe('eventInputSchema', () => {
  it('accepts an event with properties, user properties, id and timestamp', () => {
    const input = {
      ...event,
      id: 'ord-1:2',
      userProperties: { tier: 'gold', nested: { ok: [1, null] } },
      timestamp: '2026-11-28T09:00:00+01:00',
    };
    assert.deepEqual(eventInputSchema.parse(input), input);
  });

  // Keys come from JSON, so JSON.parse makes "__proto__" an own key as it would be in a request.
  const badKeys: Array<[string, string, string]> = [
    ['{"$where": "1"}', 'properties.$where', 'key must not start with "$"'],
    ['{"a.b": 1}', 'properties.a.b', 'key must not contain "."'],
    ['{"cart": {"items": [{"$gt": 1}]}}', 'properties.cart.items.0.$gt', 'key must not start with "$"'],
    ['{"": 1}', 'properties.', 'key must not be empty'],
    ['{"constructor": {"x": 1}}', 'properties.constructor', 'key "constructor" is a reserved name'],
    ['{"a": {"prototype": 1}}', 'properties.a.prototype', 'key "prototype" is a reserved name'],
    ['{"__proto__": {"isAdmin": true}}', 'properties.__proto__', 'key "__proto__" is a reserved name'],
    ['{"a": {"__proto__": {"isAdmin": true}}}', 'properties.a.__proto__', 'key "__proto__" is a reserved name'],
  ];
  for (const [json, path, message] of badKeys) {
    it(`rejects the property key at ${path}`, () => {
      assert.deepEqual(issues(eventInputSchema, { ...event, properties: JSON.parse(json) }), [`${path}: ${message}`]);
    });
  }

  it('checks user property keys too', () => {
    assert.deepEqual(issues(eventInputSchema, { ...event, userProperties: { 'plan.tier': 'x' } }), [
      'userProperties.plan.tier: key must not contain "."',
    ]);
  });

  it('accepts 1000 items and 16 KiB strings', () => {
    const bounded = { ...event, properties: { items: new Array(1_000).fill('x'.repeat(16_384)) } };
    assert.equal(eventInputSchema.safeParse(bounded).success, true);
  });

  it('rejects an empty userId', () => {
    assert.equal(issues(eventInputSchema, { ...event, userId: '' })[0], 'userId: must not be empty');
  });

  it('rejects a key longer than 128 characters', () => {
    const key = 'k'.repeat(129);
    assert.deepEqual(issues(eventInputSchema, { ...event, properties: { [key]: 1 } }), [
      `properties.${key}: key must be at most 128 characters`,
    ]);
  });

  const fieldCases: Array<[string, object, string]> = [
    ['a userId with a newline', { userId: 'u1\nadmin' }, 'userId: must not contain control characters'],
    ['a userId over 256 characters', { userId: 'u'.repeat(257) }, 'userId: must be at most 256 characters'],
    [
      'an event name with a space',
      { name: 'price dropped' },
      'name: must be 1–128 letters, digits or "_.:-", such as price_dropped',
    ],
    ['an id with a slash', { id: 'a/b' }, 'id: must be 1–128 letters, digits or "_.:-"'],
    [
      'a timestamp that is only a date',
      { timestamp: '2026-11-28' },
      'timestamp: must be an ISO 8601 date-time such as 2026-11-28T09:00:00Z',
    ],
    ['an unknown key', { user: 'u1' }, ': Unrecognized key: "user"'],
    [
      'a property array over 1000 items',
      { properties: { items: new Array(1_001).fill(0) } },
      'properties.items: must hold at most 1000 items',
    ],
    [
      'a nested string over 16 KiB',
      { properties: { a: [{ b: 'x'.repeat(16_385) }] } },
      'properties.a.0.b: must be at most 16384 characters',
    ],
    [
      'a profile string over 16 KiB',
      { userProperties: { bio: 'x'.repeat(16_385) } },
      'userProperties.bio: must be at most 16384 characters',
    ],
  ];
  for (const [name, change, expected] of fieldCases) {
    it(`rejects ${name}`, () => assert.deepEqual(issues(eventInputSchema, { ...event, ...change }), [expected]));
  }
});

describe('eventBatchSchema', () => {
  const batch = (n: number) => ({ events: Array.from({ length: n }, (_, i) => ({ ...event, userId: `u${i}` })) });

  it(`accepts ${MAX_EVENTS_PER_BATCH} events`, () => {
    assert.equal(eventBatchSchema.parse(batch(MAX_EVENTS_PER_BATCH)).events.length, 1000);
  });

  it('rejects 1001 events', () => {
    assert.deepEqual(issues(eventBatchSchema, batch(1001)), ['events: must hold at most 1000 events']);
  });

  it('rejects an empty batch', () => {
    assert.deepEqual(issues(eventBatchSchema, batch(0)), ['events: must hold at least one event']);
  });

  it('reports a bad key with the index of its event', () => {
    const input = batch(3);
    input.events[2] = { ...event, properties: JSON.parse('{"$set": {"x": 1}}') };
    assert.deepEqual(issues(eventBatchSchema, input), ['events.2.properties.$set: key must not start with "$"']);
  });
});

import assert from 'node:assert/strict';
import { conditionSchema } from '../../src/domain/condition-schema';

/** Each issue as "path: message", to compare with what a marketer is shown. */
function issues(input: unknown): string[] {
  const result = conditionSchema.safeParse(input);
  assert.equal(result.success, false, 'expected the condition to be rejected');
  return result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('conditionSchema', () => {
  const accepted: unknown[] = [
    { field: 'user.properties.tier', op: 'eq', value: 'gold' },
    { field: 'event.properties.dropPercent', op: 'gte', value: 10 },
    { field: 'user.properties.country', op: 'in', value: ['FR', null, 3] },
    { field: 'user.properties.phone', op: 'exists', value: false },
    {
      all: [
        { field: 'event.name', op: 'startsWith', value: 'price' },
        { not: { any: [{ field: 'journey.id', op: 'ne', value: 'x' }] } },
      ],
    },
  ];
  for (const condition of accepted) {
    it(`accepts ${JSON.stringify(condition)}`, () => {
      assert.deepEqual(conditionSchema.parse(condition), condition);
    });
  }

  const rejected: Array<[string, unknown, string]> = [
    [
      'a field outside user, event, campaign and journey',
      { field: 'tier', op: 'eq', value: 1 },
      'field: must be a path such as user.properties.tier, event.properties.dropPercent or steps.credit.response.body.balance',
    ],
    [
      'a field that names __proto__',
      { field: 'user.__proto__.isAdmin', op: 'eq', value: true },
      'field: must not name a prototype key',
    ],
    [
      'a field that names constructor',
      { field: 'event.properties.constructor', op: 'exists', value: true },
      'field: must not name a prototype key',
    ],
    [
      'a comparison without op',
      { field: 'user.id' },
      'op: is required: one of eq, ne, gt, gte, lt, lte, in, nin, exists, contains, startsWith, olderThan, newerThan',
    ],
    [
      'in with a single value',
      { field: 'user.id', op: 'in', value: 'u1' },
      'value: for op "in" must be an array of at most 1000 strings, numbers, booleans or nulls',
    ],
    [
      'exists without true or false',
      { field: 'user.id', op: 'exists', value: 'yes' },
      'value: for op "exists" must be true or false',
    ],
    [
      'gt with a boolean',
      { field: 'user.properties.age', op: 'gt', value: true },
      'value: for op "gt" must be a number or string',
    ],
    [
      'eq with an object',
      { field: 'user.id', op: 'eq', value: { $ne: null } },
      'value: for op "eq" must be a string, number, boolean or null',
    ],
    [
      'two kinds in one condition',
      { field: 'user.id', op: 'eq', value: 'u1', not: { field: 'user.id', op: 'eq', value: 'u2' } },
      ': a condition must use exactly one of all, any, not, field, performed, notPerformed, segment',
    ],
    [
      'an empty object',
      {},
      ': a condition must use exactly one of all, any, not, field, performed, notPerformed, segment',
    ],
    [
      'op beside a group',
      { not: { field: 'user.id', op: 'exists', value: true }, op: 'eq' },
      ': "op" does not belong to "not"',
    ],
  ];
  for (const [name, condition, expected] of rejected) {
    it(`rejects ${name}`, () => assert.deepEqual(issues(condition), [expected]));
  }

  it('reports a mistake deep inside a group at its path', () => {
    const condition = {
      all: [{ field: 'user.id', op: 'exists', value: true }, { any: [{ field: 'user.id', op: 'in', value: 1 }] }],
    };
    assert.deepEqual(issues(condition), [
      'all.1.any.0.value: for op "in" must be an array of at most 1000 strings, numbers, booleans or nulls',
    ]);
  });

  it('rejects an unknown operator and an unknown key', () => {
    assert.deepEqual(
      issues({ field: 'user.id', op: 'regex', value: '.*' }).map((i) => i.split(':')[0]),
      ['op'],
    );
    assert.match(issues({ field: 'user.id', op: 'eq', value: 'x', $where: '1' })[0], /\$where/);
  });

  it('rejects an empty all group', () => {
    assert.match(issues({ all: [] })[0], /^all: /);
  });
});

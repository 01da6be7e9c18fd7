import assert from 'node:assert/strict';
import { readPath, unsafeKeyReason } from '../../src/domain/paths';

describe('readPath', () => {
  const scope = { user: { id: 'u1', properties: { tier: 'gold', tags: ['sale', 'vip'], nothing: null } } };

  it('reads nested values and array items by index', () => {
    assert.equal(readPath(scope, 'user.properties.tier'), 'gold');
    assert.equal(readPath(scope, 'user.properties.tags.1'), 'vip');
    assert.equal(readPath(scope, 'user.properties.nothing'), null);
  });

  it('returns undefined for a missing key or a path through a scalar', () => {
    assert.equal(readPath(scope, 'user.properties.missing'), undefined);
    assert.equal(readPath(scope, 'user.id.length'), undefined);
    assert.equal(readPath(scope, 'user.properties.nothing.x'), undefined);
  });

  const prototypePaths = [
    'user.__proto__',
    'user.constructor',
    'user.constructor.name',
    'user.__proto__.toString',
    'user.properties.tags.constructor.prototype',
    'user.properties.toString',
    'user.properties.hasOwnProperty',
    'user.properties.tags.map',
  ];
  for (const path of prototypePaths) {
    it(`never reads the prototype through ${path}`, () => {
      assert.equal(readPath(scope, path), undefined);
    });
  }

  it('refuses prototype names even when they are own keys of the data', () => {
    const data = JSON.parse('{"constructor": "own", "__proto__": {"polluted": true}, "prototype": 1}');
    for (const key of ['constructor', '__proto__', 'prototype', '__proto__.polluted']) {
      assert.equal(readPath(data, key), undefined, key);
    }
  });

  it('does not read inherited properties', () => {
    assert.equal(readPath(Object.create({ inherited: 'yes' }), 'inherited'), undefined);
  });
});

describe('unsafeKeyReason', () => {
  const cases: Array<[string, string | undefined]> = [
    ['dropPercent', undefined],
    ['first-name', undefined],
    ['', 'must not be empty'],
    ['x'.repeat(129), 'must be at most 128 characters'],
    ['$where', 'must not start with "$"'],
    ['a.b', 'must not contain "."'],
    ['__proto__', '"__proto__" is a reserved name'],
    ['constructor', '"constructor" is a reserved name'],
    ['prototype', '"prototype" is a reserved name'],
  ];
  for (const [key, reason] of cases) {
    it(`${JSON.stringify(key.slice(0, 20))} -> ${reason ?? 'accepted'}`, () => {
      assert.equal(unsafeKeyReason(key), reason);
    });
  }
});

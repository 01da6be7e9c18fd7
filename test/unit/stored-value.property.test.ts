import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeStored, encodeStored } from '../../src/db/stored-value';
import { readPath } from '../../src/domain/paths';

/** Keys users send, with extra weight on the marker's and the escapes' look-alikes. */
const key = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('~array', '~~array', '~', '~7E', '~2E', '~u3000', '$set', 'a.b', '.', '$', 'array', '0', '1'),
  fc.constantFrom(' ', ' a', 'a ', 'a b', '\t', '\n x', '\u3000', 'x\u00a0', '\u0085', ' ~20 '),
);
const { value: json } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1.5, ''),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
}));
const properties = fc.dictionary(key, json, { maxKeys: 5, noNullPrototype: true });

function hasArrayInArray(value: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => Array.isArray(item) || hasArrayInArray(item));
  return value !== null && typeof value === 'object' && Object.values(value).some(hasArrayInArray);
}

function keysOf(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [...(Array.isArray(value) ? [] : [k]), ...keysOf(v)]);
}

/** Every path of indexes and keys in a value, as readPath takes them. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  // Conditions address plain names only.
  const entries = Object.entries(value).filter(([k]) => /^[A-Za-z0-9_-]+$/.test(k));
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

describe('stored values (property-based)', () => {
  it('read back exactly as sent, whatever the JSON', () => {
    fc.assert(
      fc.property(properties, (sent) => assert.deepStrictEqual(decodeStored(encodeStored(sent)), sent)),
      { numRuns: 2000 },
    );
  });

  it('never hold an array directly inside an array, nor a key with ".", a leading "$" or white space at an end (FerretDB 1.x refuses them)', () => {
    fc.assert(
      fc.property(properties, (sent) => {
        const stored = encodeStored(sent);
        assert.ok(!hasArrayInArray(stored));
        assert.ok(
          !keysOf(stored).some((k) => k.includes('.') || k.startsWith('$') || /^[\s\u0085]|[\s\u0085]$/.test(k)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('keep every scalar at the same dotted path, so queries on items read the same values', () => {
    fc.assert(
      fc.property(properties, (sent) => {
        const stored = encodeStored(sent);
        for (const path of paths(sent)) {
          const item = readPath(sent, path.join('.'));
          if (item === null || typeof item !== 'object')
            assert.deepStrictEqual(readPath(stored, path.join('.')), item, path.join('.'));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("store the issue's coordinates as objects with indexed items, and escape keys", () => {
    const stored = encodeStored({
      path: [
        [126.97, 37.56],
        [127.02, 37.5],
      ],
      '~array': 1,
      $ref: 'a.b',
      ' first name\u3000': 'Ann',
    });
    assert.deepStrictEqual(stored, {
      path: [
        { 0: 126.97, 1: 37.56, '~array': 2 },
        { 0: 127.02, 1: 37.5, '~array': 2 },
      ],
      '~7Earray': 1,
      '~24ref': 'a.b',
      '~20first name~u3000': 'Ann',
    });
  });
});

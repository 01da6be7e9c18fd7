import assert from 'node:assert/strict';
import { parseDuration } from '../../src/domain/duration';

describe('parseDuration', () => {
  const valid: Array<[string, number]> = [
    ['30s', 30_000],
    ['15m', 15 * 60_000],
    ['2h', 2 * 3_600_000],
    ['7d', 7 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1s', 1_000],
    ['366d', 366 * 86_400_000],
  ];
  for (const [text, ms] of valid) {
    it(`reads ${text} as ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  }

  const invalid = [
    '0s',
    '0d',
    'abc',
    '400d',
    '367d',
    '53w',
    '8785h',
    '',
    '30',
    's',
    '1.5h',
    '-5m',
    ' 30s',
    '30s ',
    '30 s',
    '30S',
    '2y',
    '30ms',
    '1h30m',
    '1000000s',
  ];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), undefined));
  }
});

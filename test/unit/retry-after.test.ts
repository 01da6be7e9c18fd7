import assert from 'node:assert/strict';
import { retryAfterMs } from '../../src/domain/retry-after';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-28T09:00:00Z');
  const hour = 3_600_000;
  const httpDate = (offsetMs: number) => new Date(now + offsetMs).toUTCString();

  const cases: Array<[string, string | undefined, number | undefined]> = [
    ['delay in seconds', '120', 120_000],
    ['zero seconds', '0', 0],
    ['seconds with surrounding spaces', '  30 ', 30_000],
    ['seconds beyond an hour, clamped', '86400', hour],
    ['a huge number of seconds, clamped', '99999999999999999999', hour],
    ['an HTTP-date 90 seconds ahead', httpDate(90_000), 90_000],
    ['an HTTP-date in the past, clamped to now', httpDate(-60_000), 0],
    ['an HTTP-date a day ahead, clamped', httpDate(86_400_000), hour],
    ['an RFC 850 date in the past', 'Sunday, 06-Nov-94 08:49:37 GMT', 0],
    ['no header', undefined, undefined],
    ['an empty header', '', undefined],
    ['text that is no date', 'soon', undefined],
    ['seconds with a unit', '30s', undefined],
    ['a decimal, which is not delay-seconds', '1.5', undefined],
  ];
  for (const [name, header, expected] of cases) {
    it(`${name}: ${JSON.stringify(header)} -> ${expected}`, () => assert.equal(retryAfterMs(header, now), expected));
  }
});

import assert from 'node:assert/strict';
import { nextLocalTime } from '../../src/domain/local-time';

const at = (iso: string) => Date.parse(iso);
const next = (nowIso: string, hhmm: string, zone: string) =>
  new Date(nextLocalTime(at(nowIso), hhmm, undefined, zone)).toISOString();

describe('nextLocalTime across DST changes', () => {
  // Found by the property test: east of UTC, a skipped time landed an hour before the gap.
  it('puts a skipped time just after the gap east of UTC: 01:30 on 31 March 2024 in London is 02:30 BST', () => {
    assert.equal(next('2024-03-30T12:00:00Z', '01:30', 'Europe/London'), '2024-03-31T01:30:00.000Z');
  });

  it('puts a skipped time just after the gap in the southern hemisphere: 02:30 on 6 October 2024 in Sydney is 03:30 AEDT', () => {
    assert.equal(next('2024-10-05T12:00:00Z', '02:30', 'Australia/Sydney'), '2024-10-05T16:30:00.000Z');
  });

  it('puts a skipped time just after the gap west of UTC: 02:30 on 10 March 2024 in New York is 03:30 EDT', () => {
    assert.equal(next('2024-03-09T12:00:00Z', '02:30', 'America/New_York'), '2024-03-10T07:30:00.000Z');
  });

  it('takes the first of a time that happens twice, and the second once the first has passed', () => {
    assert.equal(next('2024-11-03T00:00:00Z', '01:30', 'America/New_York'), '2024-11-03T05:30:00.000Z');
    assert.equal(next('2024-11-03T05:45:00Z', '01:30', 'America/New_York'), '2024-11-03T06:30:00.000Z');
  });
});

import assert from 'node:assert/strict';
import { chooseZone } from '../../src/domain/local-time';
import { inLocalRange, nextSendTime } from '../../src/domain/send-window';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const NIGHT = { start: '21:00', end: '08:00' };
const OFFICE_DAYS = { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, start: '09:00', end: '20:00' };

describe('quiet hours and send windows', () => {
  it('a range that wraps midnight holds the night and nothing else', () => {
    const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
    for (const inside of ['21:00', '23:30', '00:00', '07:59'])
      assert.ok(inLocalRange(minutes(inside), '21:00', '08:00'), inside);
    for (const outside of ['08:00', '12:00', '20:59'])
      assert.ok(!inLocalRange(minutes(outside), '21:00', '08:00'), outside);
    assert.ok(inLocalRange(minutes('09:00'), '09:00', '20:00') && !inLocalRange(minutes('20:00'), '09:00', '20:00'));
  });

  it('22:00 in Seoul, in quiet hours 21:00–08:00, is held until 08:00 Seoul time', () => {
    // 2026-12-01T13:00Z is 22:00 in Seoul (UTC+9).
    const next = nextSendTime(at('2026-12-01T13:00:00Z'), { quietHours: [NIGHT] }, 'Asia/Seoul');
    assert.deepEqual(next && { at: iso(next.at), heldBy: next.heldBy }, {
      at: '2026-12-01T23:00:00.000Z',
      heldBy: 'quiet hours',
    });
  });

  it('a time outside every rule is sent at once', () => {
    const now = at('2026-12-01T03:00:00Z'); // 12:00 on a Tuesday in Seoul
    assert.deepEqual(
      nextSendTime(
        now,
        { quietHours: [NIGHT], sendWindow: { ...OFFICE_DAYS, weekdays: [...OFFICE_DAYS.weekdays] } },
        'Asia/Seoul',
      ),
      { at: now, heldBy: undefined },
    );
  });

  it('the same instant is quiet for one zone and not for another', () => {
    const now = at('2026-12-01T13:00:00Z'); // 22:00 Seoul, 08:00 New York, 13:00 London
    assert.equal(nextSendTime(now, { quietHours: [NIGHT] }, 'Europe/London')!.at, now);
    assert.equal(nextSendTime(now, { quietHours: [NIGHT] }, 'America/New_York')!.at, now);
    assert.notEqual(nextSendTime(now, { quietHours: [NIGHT] }, 'Asia/Seoul')!.at, now);
  });

  it('a send window waits for the next allowed weekday and hour', () => {
    const window = { ...OFFICE_DAYS, weekdays: [...OFFICE_DAYS.weekdays] };
    // Saturday 2026-12-05 10:00 Seoul → Monday 09:00 Seoul.
    assert.equal(
      iso(nextSendTime(at('2026-12-05T01:00:00Z'), { quietHours: [], sendWindow: window }, 'Asia/Seoul')!.at),
      '2026-12-07T00:00:00.000Z',
    );
    // Tuesday 20:30 → Wednesday 09:00; Tuesday 08:00 → Tuesday 09:00.
    assert.equal(
      iso(nextSendTime(at('2026-12-01T11:30:00Z'), { quietHours: [], sendWindow: window }, 'Asia/Seoul')!.at),
      '2026-12-02T00:00:00.000Z',
    );
    assert.equal(
      iso(nextSendTime(at('2026-11-30T23:00:00Z'), { quietHours: [], sendWindow: window }, 'Asia/Seoul')!.at),
      '2026-12-01T00:00:00.000Z',
    );
    // Weekdays alone: any hour of an allowed day, from its midnight.
    assert.equal(
      iso(
        nextSendTime(at('2026-12-05T01:00:00Z'), { quietHours: [], sendWindow: { weekdays: ['sun'] } }, 'Asia/Seoul')!
          .at,
      ),
      '2026-12-05T15:00:00.000Z',
    );
  });

  it('quiet hours and a send window together: Friday 22:00 waits for Monday 09:00', () => {
    const next = nextSendTime(
      at('2026-12-04T13:00:00Z'),
      { quietHours: [NIGHT], sendWindow: { ...OFFICE_DAYS, weekdays: [...OFFICE_DAYS.weekdays] } },
      'Asia/Seoul',
    );
    assert.deepEqual(next && { at: iso(next.at), heldBy: next.heldBy }, {
      at: '2026-12-07T00:00:00.000Z',
      heldBy: 'send window',
    });
  });

  it('every quiet-hours rule holds: global 21:00–08:00 and a campaign 07:00–10:00 end at 10:00', () => {
    assert.equal(
      iso(
        nextSendTime(
          at('2026-12-01T13:00:00Z'),
          { quietHours: [NIGHT, { start: '07:00', end: '10:00' }] },
          'Asia/Seoul',
        )!.at,
      ),
      '2026-12-02T01:00:00.000Z',
    );
  });

  it('follows DST changes: 08:00 in New York is 12:00Z in summer time and 13:00Z after it ends', () => {
    // Summer time ends on 2026-11-01: 22:00 EDT on Oct 31 is held until 08:00 EST.
    assert.equal(
      iso(nextSendTime(at('2026-11-01T02:00:00Z'), { quietHours: [NIGHT] }, 'America/New_York')!.at),
      '2026-11-01T13:00:00.000Z',
    );
    // It begins on 2026-03-08: 23:00 EST on Mar 7 is held until 08:00 EDT.
    assert.equal(
      iso(nextSendTime(at('2026-03-08T04:00:00Z'), { quietHours: [NIGHT] }, 'America/New_York')!.at),
      '2026-03-08T12:00:00.000Z',
    );
  });

  it('rules that never overlap allow no send', () => {
    assert.equal(
      nextSendTime(
        at('2026-12-01T03:00:00Z'),
        { quietHours: [{ start: '08:00', end: '22:00' }], sendWindow: { start: '09:00', end: '10:00' } },
        'Asia/Seoul',
      ),
      undefined,
    );
  });

  it("the user's zone falls back from an invalid profile value to the campaign's, then the global default, and says so", () => {
    assert.deepEqual(chooseZone('Asia/Seoul', ['UTC']), { zone: 'Asia/Seoul' });
    assert.deepEqual(chooseZone(undefined, [undefined, 'Asia/Seoul']), { zone: 'Asia/Seoul' });
    assert.deepEqual(chooseZone(undefined, ['Europe/Paris', 'Asia/Seoul']), { zone: 'Europe/Paris' });
    const fallback = chooseZone('Mars/Olympus', [undefined, 'Asia/Seoul']);
    assert.equal(fallback.zone, 'Asia/Seoul');
    assert.match(fallback.problem!, /"Mars\/Olympus" is not an IANA time zone; used Asia\/Seoul/);
    assert.equal(chooseZone(42, [undefined, undefined]).zone, 'UTC');
  });
});

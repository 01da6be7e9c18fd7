// nextLocalTime against an independent clock (Intl read directly, minute by minute), in zones
// with DST changes of an hour, half an hour and at odd offsets, on both hemispheres.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nextLocalTime, WEEKDAYS, type Weekday } from '../../src/domain/local-time';

const ZONES = [
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Chatham',
  'America/St_Johns',
  'Asia/Seoul',
  'Asia/Kolkata',
  'UTC',
];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const clocks = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in a zone at an instant: minutes since local midnight and the weekday. */
function wallClock(utcMs: number, zone: string): { minutes: number; weekday: Weekday } {
  let clock = clocks.get(zone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    clocks.set(zone, clock);
  }
  const parts = Object.fromEntries(clock.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  return { minutes: Number(parts.hour) * 60 + Number(parts.minute), weekday: parts.weekday.toLowerCase() as Weekday };
}

/** Wall-clock minutes from `from` to `to`, across midnight, in (-720, 720]. */
const minutesBetween = (from: number, to: number) => ((((to - from) % 1440) + 1440 + 719) % 1440) - 719;

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const input = fc.record({
  // 1990–2045: both sides of rule changes, and DST transitions every year.
  now: fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2045, 0, 1) }),
  zone: fc.constantFrom(...ZONES),
  // Whole quarter hours, often near the 01:00–03:00 window where clocks change.
  minutes: fc.oneof(
    fc.integer({ min: 0, max: 95 }).map((q) => q * 15),
    fc.integer({ min: 0, max: 12 }).map((q) => 60 + q * 10),
  ),
  weekdays: fc.option(fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 7 }), { nil: undefined }),
});

const DAY = 24 * HOUR;
const utcMinutes = (utcMs: number) => Math.floor((utcMs % DAY) / MINUTE);

/** UTC days in 2024–2026 on which the zone's offset changes, found day by day. */
function dstChangeDays(zone: string): number[] {
  const days: number[] = [];
  const offsetAt = (t: number) => minutesBetween(utcMinutes(t), wallClock(t, zone).minutes);
  for (let day = Date.UTC(2024, 0, 2); day < Date.UTC(2027, 0, 1); day += DAY) {
    if (offsetAt(day) !== offsetAt(day - DAY)) days.push(day - DAY);
  }
  return days;
}

/** Instants within a day or so of a DST change, asking for times around the change. */
const nearDstChange = fc
  .constantFrom(...ZONES.flatMap((zone) => dstChangeDays(zone).map((day) => ({ zone, day }))))
  .chain(({ zone, day }) =>
    fc.record({
      now: fc.integer({ min: day - 12 * HOUR, max: day + 36 * HOUR }),
      zone: fc.constant(zone),
      minutes: fc.integer({ min: 0, max: 4 * 6 }).map((tenths) => tenths * 10),
      weekdays: fc.constant(undefined),
    }),
  );

/** The properties every answer must have: future, right time (or just after a gap), right day, first. */
function checkNextLocalTime({
  now,
  zone,
  minutes,
  weekdays,
}: {
  now: number;
  zone: string;
  minutes: number;
  weekdays?: Weekday[];
}): void {
  const at = nextLocalTime(now, hhmm(minutes), weekdays, zone);
  assert.ok(at > now, 'not in the future');
  assert.ok(at - now <= 8 * 24 * HOUR + 2 * HOUR, 'further than a week and a day away');
  const shown = wallClock(at, zone);
  if (weekdays) assert.ok(weekdays.includes(shown.weekday), `lands on a ${shown.weekday}`);
  if (shown.minutes !== minutes) {
    // Only in a spring-forward gap, where that time does not exist: then just after it.
    const jump = minutesBetween(wallClock(at - 2 * HOUR, zone).minutes, shown.minutes) - 120;
    assert.ok(jump > 0, `shows ${hhmm(shown.minutes)} instead of ${hhmm(minutes)} outside a DST gap`);
    assert.equal(minutesBetween(minutes, shown.minutes), jump, 'not the time just after the gap');
  }
  // No earlier instant after now shows that time on an allowed weekday.
  for (let t = Math.floor(now / MINUTE) * MINUTE + MINUTE; t < at; t += MINUTE) {
    const clock = wallClock(t, zone);
    assert.ok(
      !(clock.minutes === minutes && (!weekdays || weekdays.includes(clock.weekday))),
      `${new Date(t).toISOString()} comes first`,
    );
  }
}

describe('nextLocalTime (property-based)', () => {
  it('lands in the future on the requested local time and weekday, and on the first such instant', () => {
    fc.assert(fc.property(input, checkNextLocalTime), { numRuns: 60 });
  });

  it('does so around DST changes, where a local time may be skipped or happen twice', () => {
    fc.assert(fc.property(nearDstChange, checkNextLocalTime), { numRuns: 100 });
  });

  it('is stable: asked again just before the answer, it gives the same answer', () => {
    fc.assert(
      fc.property(input, ({ now, zone, minutes, weekdays }) => {
        const at = nextLocalTime(now, hhmm(minutes), weekdays, zone);
        assert.equal(nextLocalTime(at - 1, hhmm(minutes), weekdays, zone), at);
      }),
      { numRuns: 300 },
    );
  });
});

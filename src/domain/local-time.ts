// Local times of day in a user's time zone, computed deterministically from a UTC instant
// with Intl (available inside workflows), correct across DST changes. Pure.

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in a zone. */
function localParts(utcMs: number, zone: string) {
  const parts = Object.fromEntries(
    formatter(zone)
      .formatToParts(new Date(utcMs))
      .map((p) => [p.type, p.value]),
  );
  return {
    year: +parts.year,
    month: +parts.month,
    day: +parts.day,
    hour: +parts.hour,
    minute: +parts.minute,
    second: +parts.second,
  };
}

/** How far the zone's wall clock is ahead of UTC at that instant. */
function offsetMs(utcMs: number, zone: string): number {
  const p = localParts(utcMs, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(utcMs / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * The instants at which the zone's clock shows this wall time, earliest first: one, or two
 * when clocks fall back through it. In a spring-forward gap, where it never shows, the one
 * instant the skipped time would have been on the old clock (02:30 → 03:30). The offsets a
 * day before and after bracket any change near that day, whichever side of UTC the zone is.
 */
function instantsOf(year: number, month: number, day: number, hour: number, minute: number, zone: string): number[] {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const before = wall - offsetMs(wall - DAY_MS, zone);
  const after = wall - offsetMs(wall + DAY_MS, zone);
  const shows = (at: number) => {
    const shown = localParts(at, zone);
    return shown.hour === hour && shown.minute === minute;
  };
  const found = [...new Set([before, after])].filter(shows).sort((a, b) => a - b);
  return found.length > 0 ? found : [before];
}

/**
 * The first instant after `nowMs` at which the user's clock shows `hhmm` ("09:00"), on one
 * of `weekdays` when given.
 */
export function nextLocalTime(
  nowMs: number,
  hhmm: string,
  weekdays: readonly Weekday[] | undefined,
  zone: string,
): number {
  const [hour, minute] = hhmm.split(':').map(Number);
  const today = localParts(nowMs, zone);
  for (let days = 0; days <= 8; days++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + days));
    if (weekdays && !weekdays.includes(WEEKDAYS[date.getUTCDay()])) continue;
    const at = instantsOf(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute, zone).find(
      (instant) => instant > nowMs,
    );
    if (at !== undefined) return at;
  }
  throw new Error(`no ${hhmm} on ${weekdays?.join(',')} within 8 days`);
}

/** The user's zone when the profile names a valid one, else the campaign's default. */
export function zoneOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && isTimeZone(value) ? value : fallback;
}

/** Minutes since local midnight and the local weekday of an instant in a zone. */
export function localClock(utcMs: number, zone: string): { minutes: number; weekday: Weekday } {
  const p = localParts(utcMs, zone);
  return {
    minutes: p.hour * 60 + p.minute,
    weekday: WEEKDAYS[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()],
  };
}

/**
 * The first valid zone of the profile's value and the defaults, in that order. A value that
 * is set but not a zone is reported as `problem`, so a bad profile is visible, never fatal.
 */
export function chooseZone(value: unknown, defaults: Array<string | undefined>): { zone: string; problem?: string } {
  const zone = zoneOr(value, defaults.find((d) => d !== undefined && isTimeZone(d)) ?? 'UTC');
  if (value === undefined || value === null || zone === value) return { zone };
  return { zone, problem: `${JSON.stringify(value).slice(0, 80)} is not an IANA time zone; used ${zone}` };
}

/** The instant at which `zone`'s clock shows the wall time that `fromZone`'s clock shows at `utcMs`. */
export function sameWallTime(utcMs: number, fromZone: string, zone: string): number {
  const p = localParts(utcMs, fromZone);
  return instantsOf(p.year, p.month, p.day, p.hour, p.minute, zone)[0];
}

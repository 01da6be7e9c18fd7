// When a webhook may go out: outside quiet hours and inside the send window, both in the
// user's local time. Pure and deterministic (Intl only), correct across DST changes.
import type { QuietHours, SendWindow } from './fatigue';
import { localClock, nextLocalTime } from './local-time';

export interface SendTimeRules {
  /** Every quiet-hours rule that applies (global and campaign); all must be respected. */
  quietHours: QuietHours[];
  sendWindow?: SendWindow;
}

/** Constraints that never overlap (say quiet 08:00–22:00 and a window 09:00–10:00) are found in this many steps. */
const MAX_STEPS = 32;

function minutesOf(hhmm: string): number {
  const [hour, minute] = hhmm.split(':').map(Number);
  return hour * 60 + minute;
}

/** Whether a local minute of the day lies in [start, end), a range that may wrap midnight. */
export function inLocalRange(minutes: number, start: string, end: string): boolean {
  const [from, to] = [minutesOf(start), minutesOf(end)];
  return from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

/** For each rule broken at `atMs`, the first instant it is kept again. */
function reopenings(atMs: number, rules: SendTimeRules, zone: string): Array<{ at: number; reason: string }> {
  const clock = localClock(atMs, zone);
  const reopen = rules.quietHours
    .filter((q) => inLocalRange(clock.minutes, q.start, q.end))
    .map((q) => ({ at: nextLocalTime(atMs, q.end, undefined, zone), reason: 'quiet hours' }));
  const window = rules.sendWindow;
  if (window) {
    const dayOk = !window.weekdays || window.weekdays.includes(clock.weekday);
    const hoursOk = window.start === undefined || inLocalRange(clock.minutes, window.start, window.end!);
    if (!dayOk || !hoursOk)
      reopen.push({ at: nextLocalTime(atMs, window.start ?? '00:00', window.weekdays, zone), reason: 'send window' });
  }
  return reopen;
}

/**
 * The first instant at or after `nowMs` at which a webhook may go out, with the rule that held
 * it; undefined when the rules never allow a send. Jumping to the latest reopening of the
 * rules broken now skips no allowed instant: none of them is kept before its own reopening.
 */
export function nextSendTime(
  nowMs: number,
  rules: SendTimeRules,
  zone: string,
): { at: number; heldBy?: string } | undefined {
  let at = nowMs;
  let heldBy: string | undefined;
  for (let step = 0; step < MAX_STEPS; step++) {
    const broken = reopenings(at, rules, zone);
    if (broken.length === 0) return { at, heldBy };
    const latest = broken.reduce((a, b) => (b.at > a.at ? b : a));
    heldBy ??= latest.reason;
    at = latest.at;
  }
  return undefined;
}

// Durations in campaign definitions are short strings ("30s", "15m", "2h", "7d") so that a
// marketer can read them; the workflow turns them into milliseconds. Pure: imported by
// workflows, so no Node modules here.

const UNIT_MS = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

const DURATION = /^(\d{1,6})(s|m|h|d|w)$/;

/** The longest wait a journey step may ask for: a year and a day. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d;

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 && ms <= MAX_DURATION_MS ? ms : undefined;
}

const LARGEST_UNIT_FIRST = (Object.entries(UNIT_MS) as Array<[keyof typeof UNIT_MS, number]>).reverse();

/** The duration text for `ms` in its largest exact unit ("3600000" → "1h"), or undefined when none reads back. */
export function formatDuration(ms: number): string | undefined {
  const fit = LARGEST_UNIT_FIRST.find(([, unitMs]) => ms % unitMs === 0);
  if (!fit) return undefined;
  const text = `${ms / fit[1]}${fit[0]}`;
  return parseDuration(text) === ms ? text : undefined;
}

/** Milliseconds for a duration that may be negative ("-1d"), or undefined. */
export function parseOffset(text: string): number | undefined {
  const ms = parseDuration(text.replace(/^-/, ''));
  return ms === undefined ? undefined : text.startsWith('-') ? -ms : ms;
}

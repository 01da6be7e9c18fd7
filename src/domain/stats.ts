// Campaign analytics as plain numbers: counter names, the fixed latency histogram, and the
// sums and percentiles every reader derives from them. Pure, so the stats store, the API
// and the tests agree on one definition.

/** Counters kept per campaign, campaign version and hour. Step and exit counters are built by the functions below. */
export const COUNTER = {
  entered: 'entered',
  conversions: 'conversions',
  attempted: 'webhooks:attempted',
  succeeded: 'webhooks:succeeded',
  failed: 'webhooks:failed',
  retried: 'webhooks:retried',
  /** A webhook held back until the user's quiet hours end (counted by the quiet-hours rule). */
  heldQuietHours: 'held:quietHours',
  /** A webhook skipped because the user reached a frequency cap (counted by the caps rule). */
  capped: 'capped',
} as const;

export type CounterName = (typeof COUNTER)[keyof typeof COUNTER];

/** A journey that ended, by its outcome (completed, webhookFailed, exited, goalReached, cancelled). */
export function exitCounter(outcome: string): string {
  return `exited:${outcome}`;
}

/** A webhook step reached (its delivery prepared) or sent (delivered with a 2xx); the funnel is made of these. */
export function stepCounter(stepId: string, stage: 'reached' | 'sent'): string {
  return `step:${stepId}:${stage}`;
}

export type Counts = Record<string, number>;

/** Upper bounds (ms) of the latency histogram's buckets; the last bucket is everything slower. */
export const LATENCY_BOUNDS_MS = [25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000] as const;

/** Counts per latency bucket: one more entry than there are bounds. */
export type LatencyHistogram = number[];

export function emptyHistogram(): LatencyHistogram {
  return new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
}

export function latencyBucket(ms: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? LATENCY_BOUNDS_MS.length : index;
}

export function addCounts(into: Counts, from: Counts): Counts {
  for (const [name, n] of Object.entries(from)) into[name] = (into[name] ?? 0) + n;
  return into;
}

export function addHistogram(into: LatencyHistogram, from: readonly number[] | undefined): LatencyHistogram {
  from?.forEach((n, i) => (into[i] = (into[i] ?? 0) + n));
  return into;
}

/**
 * The latency at quantile q (0–1), interpolated inside the bucket it falls in; undefined
 * without samples. Past the last bound it answers that bound: the histogram knows no more.
 */
export function percentile(histogram: readonly number[], q: number): number | undefined {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < histogram.length; i++) {
    const n = histogram[i];
    if (n > 0 && below + n >= rank) {
      if (i === LATENCY_BOUNDS_MS.length) return LATENCY_BOUNDS_MS[i - 1];
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      return Math.round(lower + ((LATENCY_BOUNDS_MS[i] - lower) * (rank - below)) / n);
    }
    below += n;
  }
  return LATENCY_BOUNDS_MS.at(-1);
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export function floorTo(time: number, bucketMs: number): number {
  return Math.floor(time / bucketMs) * bucketMs;
}

/** What a set of buckets adds up to, in the words of the API and the dashboard. */
export interface StatsSummary {
  entered: number;
  exited: Record<string, number>;
  webhooks: { attempted: number; succeeded: number; failed: number; retried: number };
  heldQuietHours: number;
  capped: number;
  conversions: number;
  /** Conversions per journey entered; null before anyone entered. */
  conversionRate: number | null;
  /** Succeeded per webhook that reached an end (succeeded or failed); null before any did. */
  successRate: number | null;
  latencyMs: { p50: number | null; p95: number | null };
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

export function summarize(counts: Counts, latency: readonly number[]): StatsSummary {
  const n = (name: string) => counts[name] ?? 0;
  const exited: Record<string, number> = {};
  for (const [name, value] of Object.entries(counts)) {
    if (name.startsWith('exited:')) exited[name.slice('exited:'.length)] = value;
  }
  const succeeded = n(COUNTER.succeeded);
  const failed = n(COUNTER.failed);
  return {
    entered: n(COUNTER.entered),
    exited,
    webhooks: { attempted: n(COUNTER.attempted), succeeded, failed, retried: n(COUNTER.retried) },
    heldQuietHours: n(COUNTER.heldQuietHours),
    capped: n(COUNTER.capped),
    conversions: n(COUNTER.conversions),
    conversionRate: ratio(n(COUNTER.conversions), n(COUNTER.entered)),
    successRate: ratio(succeeded, succeeded + failed),
    latencyMs: { p50: percentile(latency, 0.5) ?? null, p95: percentile(latency, 0.95) ?? null },
  };
}

// Turns hourly stats rows into what the stats API answers: totals, per-version totals, a
// time series with empty buckets filled in, and the funnel of a campaign's webhook steps.
import type { StatsRow } from '../db/stats';
import type { Campaign } from '../domain/campaign';
import {
  addCounts,
  addHistogram,
  COUNTER,
  DAY_MS,
  emptyHistogram,
  floorTo,
  HOUR_MS,
  percentile,
  stepCounter,
  summarize,
  type Counts,
  type StatsSummary,
} from '../domain/stats';

export type BucketSize = 'hour' | 'day';
export const BUCKET_MS: Record<BucketSize, number> = { hour: HOUR_MS, day: DAY_MS };

interface Sum {
  counts: Counts;
  latency: number[];
}

function sumOf(rows: StatsRow[]): Sum {
  const sum: Sum = { counts: {}, latency: emptyHistogram() };
  for (const row of rows) {
    addCounts(sum.counts, row.counts);
    addHistogram(sum.latency, row.latency);
  }
  return sum;
}

export function totals(rows: StatsRow[]): StatsSummary {
  const { counts, latency } = sumOf(rows);
  return summarize(counts, latency);
}

export function totalsByVersion(rows: StatsRow[]): Array<{ version: number } & StatsSummary> {
  const versions = [...new Set(rows.map((r) => r.version))].sort((a, b) => a - b);
  return versions.map((version) => ({ version, ...totals(rows.filter((r) => r.version === version)) }));
}

export interface SeriesPoint {
  start: string;
  entered: number;
  attempted: number;
  sent: number;
  failed: number;
  conversions: number;
  p50: number | null;
  p95: number | null;
}

/** One point per bucket from `from` to `to`, zeros where nothing happened. */
export function series(rows: StatsRow[], from: Date, to: Date, bucket: BucketSize): SeriesPoint[] {
  const size = BUCKET_MS[bucket];
  const byStart = new Map<number, StatsRow[]>();
  for (const row of rows) {
    const start = floorTo(row.hour.getTime(), size);
    const group = byStart.get(start) ?? [];
    group.push(row);
    byStart.set(start, group);
  }
  const points: SeriesPoint[] = [];
  for (let start = floorTo(from.getTime(), size); start < to.getTime(); start += size) {
    const { counts, latency } = sumOf(byStart.get(start) ?? []);
    const n = (name: string) => counts[name] ?? 0;
    points.push({
      start: new Date(start).toISOString(),
      entered: n(COUNTER.entered),
      attempted: n(COUNTER.attempted),
      sent: n(COUNTER.succeeded),
      failed: n(COUNTER.failed),
      conversions: n(COUNTER.conversions),
      p50: percentile(latency, 0.5) ?? null,
      p95: percentile(latency, 0.95) ?? null,
    });
  }
  return points;
}

export type FunnelStage =
  { stage: 'entered' | 'goal'; count: number } | { stage: 'step'; step: string; reached: number; sent: number };

/** Entered, then each webhook step in the definition's order (reached, sent), then the goal when there is one. */
export function funnel(rows: StatsRow[], definition: Campaign): FunnelStage[] {
  const { counts } = sumOf(rows);
  const n = (name: string) => counts[name] ?? 0;
  const steps: FunnelStage[] = definition.steps
    .filter((step) => step.type === 'webhook')
    .map((step) => ({
      stage: 'step',
      step: step.id,
      reached: n(stepCounter(step.id, 'reached')),
      sent: n(stepCounter(step.id, 'sent')),
    }));
  return [
    { stage: 'entered', count: n(COUNTER.entered) },
    ...steps,
    ...(definition.goal ? [{ stage: 'goal' as const, count: n(COUNTER.conversions) }] : []),
  ];
}

/** Latencies in ms, summarised as the table shows them. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0 ? NaN : Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

export interface LoopResult {
  /** Tasks that ended without error. */
  done: number;
  failed: number;
  firstError?: string;
  ms: number;
}

/**
 * Runs `task(i)` for i in [0, count) with at most `concurrency` at once (a closed loop),
 * starting no new task once `maxMs` has passed. A failed task is counted, not fatal.
 */
export async function closedLoop(
  count: number,
  concurrency: number,
  maxMs: number,
  task: (i: number) => Promise<void>,
): Promise<LoopResult> {
  const started = performance.now();
  const result: LoopResult = { done: 0, failed: 0, ms: 0 };
  let next = 0;
  const lane = async () => {
    while (next < count && performance.now() - started < maxMs) {
      try {
        await task(next++);
        result.done += 1;
      } catch (err) {
        result.failed += 1;
        result.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { ...result, ms: performance.now() - started };
}

export function perSecond(n: number, ms: number): number {
  return ms > 0 ? Math.round((n * 10_000) / ms) / 10 : NaN;
}

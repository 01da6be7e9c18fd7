import { setTimeout as sleep } from 'node:timers/promises';
import { runMs, type BenchContext } from './context';
import { rssMiB } from './stack';
import { closedLoop } from './stats';

export const PARKED_CAMPAIGN = 'bench-parked';
export const PARKED_TRIGGER = 'bench_park';
const BATCH_SIZE = 500;

export interface ParkedResult {
  requested: number;
  /** Journeys seen waiting in their 30-day delay when the phase ended. */
  parked: number;
  /** From the first event POST until all of them were seen waiting. */
  createMs: number;
  perSecond: number;
  rssBefore: { worker?: number; gateway?: number };
  rssAfter: { worker?: number; gateway?: number };
}

function rss(ctx: BenchContext) {
  return { worker: rssMiB(ctx.pids.get('worker')), gateway: rssMiB(ctx.pids.get('gateway')) };
}

/** Creates N journeys that wait 30 days before their webhook, through event batches to the gateway. */
export async function runParked(ctx: BenchContext): Promise<ParkedResult> {
  const requested = ctx.options.parked;
  const rssBefore = rss(ctx);
  const started = performance.now();
  const batches = Math.ceil(requested / BATCH_SIZE);
  await closedLoop(batches, 2, runMs(ctx, 0.5), async (b) => {
    const size = Math.min(BATCH_SIZE, requested - b * BATCH_SIZE);
    const events = Array.from({ length: size }, (_, j) => ({
      id: `park-${b * BATCH_SIZE + j}`,
      userId: `parked-user-${b * BATCH_SIZE + j}`,
      name: PARKED_TRIGGER,
    }));
    await ctx.gateway.postEvents({ events });
  });
  // Creation is bounded like every run: whatever is parked by then is reported. A share of
  // the budget stays for the journeys measured next to the parked ones.
  const deadline = Math.min(started + ctx.options.phaseMs * 4, ctx.deadline - ctx.options.phaseMs);
  let parked = 0;
  while (performance.now() < deadline) {
    parked = (
      await ctx.temporal.workflow.count(
        // JourneyStep shows the first step from the start; a journey is parked once it waits there.
        `CampaignId="${PARKED_CAMPAIGN}" AND JourneyStep="wait" AND JourneyState="waiting" AND ExecutionStatus="Running"`,
      )
    ).count;
    if (parked >= requested) break;
    await sleep(1_000);
  }
  const createMs = Math.round(performance.now() - started);
  // Let the worker settle (cache, GC) before reading its memory.
  await sleep(3_000);
  return {
    requested,
    parked,
    createMs,
    perSecond: Math.round((parked * 10_000) / createMs) / 10,
    rssBefore,
    rssAfter: rss(ctx),
  };
}

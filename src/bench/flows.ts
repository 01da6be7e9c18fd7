import { setTimeout as sleep } from 'node:timers/promises';
import { campaignSchema } from '../domain/campaign';
import type { JourneyEvent } from '../domain/event';
import { journeyStart } from '../temporal/journeys';
import { runMs, type BenchContext } from './context';
import { floorWorkflow } from './floor/workflow';
import { webhookCampaign } from './gateway-client';
import { closedLoop, perSecond, summarise, type LatencySummary } from './stats';

export interface FlowResult {
  /** Runs started (workflows, or events posted). */
  started: number;
  /** Webhooks that reached the receiver in time. */
  received: number;
  /** Runs that could not be started (an error answer, a timeout). */
  failed: number;
  firstError?: string;
  /** Workflows completed per second: runs divided by the time until none of them was still running. */
  perSecond: number;
  latency: LatencySummary;
  ms: number;
}

const WEBHOOK_TIMEOUT_MS = 30_000;

/** Waits until `query` counts no running workflow; returns when that was seen (performance.now()). */
async function drained(ctx: BenchContext, query: string, deadline: number): Promise<number> {
  for (;;) {
    const count = await ctx.temporal.workflow.count(`${query} AND ExecutionStatus="Running"`);
    if (count.count === 0 || performance.now() > deadline) return performance.now();
    await sleep(200);
  }
}

async function measure(
  ctx: BenchContext,
  count: number,
  concurrency: number,
  runningQuery: string,
  one: (i: number) => Promise<number | undefined>,
): Promise<FlowResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const maxMs = runMs(ctx, 0.5);
  const { done, failed, firstError } = await closedLoop(count, concurrency, maxMs, async (i) => {
    const latency = await one(i);
    if (latency !== undefined) latencies.push(latency);
  });
  const end = await drained(ctx, runningQuery, Math.min(started + maxMs + WEBHOOK_TIMEOUT_MS, ctx.deadline));
  const ms = end - started;
  return {
    started: done,
    received: latencies.length,
    failed,
    firstError,
    perSecond: perSecond(done, ms),
    latency: summarise(latencies),
    ms: Math.round(ms),
  };
}

/** Floor workflows, each started by `start` under the id `ref`; latency from the start to its POST. */
function floorRuns(
  ctx: BenchContext,
  run: string,
  count: number,
  start: (ref: string, i: number) => Promise<unknown>,
): Promise<FlowResult> {
  return measure(ctx, count, ctx.options.concurrency, 'WorkflowType="floorWorkflow"', async (i) => {
    const ref = `floor-${run}-${i}`;
    const t0 = performance.now();
    await start(ref, i);
    const at = await ctx.receiver.arrival(ref, 1, WEBHOOK_TIMEOUT_MS);
    return at === undefined ? undefined : at - t0;
  });
}

/** The floor: raw client starts of a one-activity workflow whose activity POSTs to the receiver. */
export function runFloor(ctx: BenchContext, run: string, count = ctx.options.journeys): Promise<FlowResult> {
  return floorRuns(ctx, run, count, (ref) =>
    ctx.temporal.workflow.start(floorWorkflow, {
      workflowId: ref,
      taskQueue: ctx.floorTaskQueue,
      args: [ctx.receiver.url, ref],
    }),
  );
}

/**
 * The floor started the way the gateway starts a new journey (src/temporal/journeys.ts): with
 * a journey's input, search attributes and memo. What Temporal spends here beyond the plain
 * floor is the price of a journey's start.
 */
export function runFloorStartedLikeJourney(
  ctx: BenchContext,
  run: string,
  count = ctx.options.journeys,
): Promise<FlowResult> {
  const campaign = campaignSchema.parse(webhookCampaign('bench-journey', 'bench_journey', ctx.receiver.url));
  return floorRuns(ctx, run, count, (ref, i) => {
    const timestamp = new Date().toISOString();
    const event: JourneyEvent = {
      id: ref,
      name: 'bench_journey',
      userId: `user-${ref}`,
      timestamp,
      properties: { n: i },
    };
    const { args, typedSearchAttributes, memo } = journeyStart(campaign, event, 1);
    return ctx.temporal.workflow.start(floorWorkflow, {
      workflowId: ref,
      taskQueue: ctx.floorTaskQueue,
      args: [ctx.receiver.url, ref, ...args],
      typedSearchAttributes,
      memo,
    });
  });
}

/**
 * Journeys: one event POSTed to the gateway per journey (a new user each time, unless `userOf`
 * names one); the latency runs from the POST to the last of the `campaigns.length` webhooks it causes.
 */
export function runJourneys(
  ctx: BenchContext,
  opts: {
    run: string;
    trigger: string;
    campaigns: string[];
    count?: number;
    concurrency?: number;
    userOf?: (i: number) => string;
  },
): Promise<FlowResult> {
  const campaigns = opts.campaigns.map((c) => JSON.stringify(c)).join(', ');
  return measure(
    ctx,
    opts.count ?? ctx.options.journeys,
    opts.concurrency ?? ctx.options.concurrency,
    `CampaignId IN (${campaigns})`,
    async (i) => {
      const ref = `${opts.run}-${i}`;
      const t0 = performance.now();
      const res = await ctx.gateway.request('POST', '/v1/events', {
        id: ref,
        userId: opts.userOf?.(i) ?? `user-${ref}`,
        name: opts.trigger,
        properties: { n: i },
      });
      if (res.status !== 202) throw new Error(`event POST answered ${res.status}: ${res.body.slice(0, 200)}`);
      const at = await ctx.receiver.arrival(ref, opts.campaigns.length, WEBHOOK_TIMEOUT_MS);
      return at === undefined ? undefined : at - t0;
    },
  );
}

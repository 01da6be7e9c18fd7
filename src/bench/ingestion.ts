import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { runMs, type BenchContext } from './context';
import { readTemporalCounters } from './temporal-metrics';
import { closedLoop, perSecond, summarise, type LatencySummary } from './stats';

export const NO_MATCH_EVENT = 'bench_nothing_listens';
const SINGLE_CONCURRENCY = 50;
const BATCH_SIZE = 500;
const BATCH_CONCURRENCY = 2;
/** Users repeat, as on a real site, so profile upserts update as well as insert. */
const USERS = 1_000;
const HISTORIES_POLL_MS = 100;
const HISTORIES_CATCH_UP_LIMIT_MS = 300_000;
const OUTBOX_DRAIN_LIMIT_MS = 30_000;

/** Documents keyed by strings, as Hookway keys events and profiles. */
type Keyed = { _id: string } & Record<string, unknown>;

export interface RateResult {
  count: number;
  failed: number;
  firstError?: string;
  perSecond: number;
  latency: LatencySummary;
  ms: number;
}

/** Hookway's run, and when the events it answered were all in their users' histories. */
export interface HookwayRate extends RateResult {
  /** After the last answer, until the gateway had folded every event into its user's history. */
  historiesCaughtUpMs: number;
  /** Events per second counted until then: the rate Hookway can keep up. */
  sustainedPerSecond: number;
}

export interface IngestionResult {
  singles: HookwayRate;
  singlesFloor: RateResult;
  batches: HookwayRate;
  batchesFloor: RateResult;
  /** Start/signal calls Temporal's frontend served while only non-matching events were posted (should be 0). */
  temporalCalls: number | 'unknown';
  temporalWorkflowsStarted: number;
}

function eventInput(run: string, i: number) {
  return {
    id: `${run}-${i}`,
    userId: `ing-user-${i % USERS}`,
    name: NO_MATCH_EVENT,
    properties: { page: `/products/${i % 97}`, price: i % 500 },
    // What a site sends with every event: the same few traits of the user each time.
    userProperties: { plan: (i % USERS) % 3 === 0 ? 'pro' : 'free', locale: 'ko-KR' },
  };
}

/** The documents the gateway writes for these inputs: the event, and the profile upsert. */
function documentsFor(inputs: ReturnType<typeof eventInput>[]) {
  const now = new Date();
  const events = inputs.map((e): Keyed => ({
    _id: e.id,
    userId: e.userId,
    name: e.name,
    properties: e.properties,
    timestamp: now,
    receivedAt: now,
  }));
  const upserts: AnyBulkWriteOperation<Keyed>[] = inputs.map((e) => ({
    updateOne: {
      filter: { _id: e.userId },
      update: {
        $set: Object.fromEntries(Object.entries(e.userProperties).map(([k, v]) => [`properties.${k}`, v])),
        $min: { firstSeen: now },
        $max: { lastSeen: now },
      },
      upsert: true,
    },
  }));
  return { events, upserts };
}

async function timedLoop(
  count: number,
  concurrency: number,
  maxMs: number,
  perItem: number,
  task: (i: number) => Promise<void>,
): Promise<RateResult> {
  const latencies: number[] = [];
  const { done, failed, firstError, ms } = await closedLoop(count, concurrency, maxMs, async (i) => {
    const t0 = performance.now();
    await task(i);
    latencies.push(performance.now() - t0);
  });
  return {
    count: done * perItem,
    failed,
    firstError,
    perSecond: perSecond(done * perItem, ms),
    latency: summarise(latencies),
    ms,
  };
}

/**
 * Waits until the gateway folded every event it answered into its user's history: histories
 * are appended after the answer (src/db/history-outbox.ts), so a rate of answers alone could
 * hide a backlog growing without bound. The outbox holds only unfolded records, so counting it
 * reads a few documents. (No campaign is active here, so no event's fold waits in its
 * event_outbox entry instead.)
 */
/**
 * Waits until no event waits to be routed, so that a hand-off left over from the phase before
 * (the outbox sweep may hand an event off a second time) is not counted as this phase's.
 */
async function outboxDrained(ctx: BenchContext): Promise<void> {
  const deadline = performance.now() + OUTBOX_DRAIN_LIMIT_MS;
  while ((await ctx.mongo.collection('event_outbox').countDocuments()) > 0 && performance.now() < deadline)
    await sleep(HISTORIES_POLL_MS);
}

async function withHistories(ctx: BenchContext, run: RateResult): Promise<HookwayRate> {
  const outbox = ctx.mongo.collection('history_outbox');
  const started = performance.now();
  while ((await outbox.countDocuments({}, { limit: 1 })) > 0) {
    if (performance.now() - started > HISTORIES_CATCH_UP_LIMIT_MS)
      throw new Error(`event histories were still behind ${HISTORIES_CATCH_UP_LIMIT_MS} ms after the last answer`);
    await sleep(HISTORIES_POLL_MS);
  }
  const historiesCaughtUpMs = Math.round(performance.now() - started);
  return { ...run, historiesCaughtUpMs, sustainedPerSecond: perSecond(run.count, run.ms + historiesCaughtUpMs) };
}

async function createFloorCollections(
  ctx: BenchContext,
): Promise<{ events: Collection<Keyed>; profiles: Collection<Keyed> }> {
  const db = ctx.mongo.useDb('bench_floor').db!;
  // Like Hookway's events collection, indexed by _id only, so both write the same index entries.
  return { events: db.collection<Keyed>('events'), profiles: db.collection<Keyed>('profiles') };
}

export async function runIngestion(ctx: BenchContext): Promise<IngestionResult> {
  const { singles: singleCount, batches: batchCount } = ctx.options;
  // Four runs share the phase.
  const quarter = () => runMs(ctx, 0.25) / 2;
  const floor = await createFloorCollections(ctx);
  const writeFloor = async (inputs: ReturnType<typeof eventInput>[]) => {
    const { events, upserts } = documentsFor(inputs);
    // In groups of 50: FerretDB 1.24 stalls for minutes on one update command of 500.
    for (let i = 0; i < upserts.length; i += 50)
      await floor.profiles.bulkWrite(upserts.slice(i, i + 50), { ordered: false });
    await floor.events.insertMany(events, { ordered: false });
  };
  const post = async (body: unknown) => {
    const res = await ctx.gateway.request('POST', '/v1/events', body);
    if (res.status !== 202) throw new Error(`event POST answered ${res.status}: ${res.body.slice(0, 200)}`);
  };
  const batch = (run: string, b: number) =>
    Array.from({ length: BATCH_SIZE }, (_, j) => eventInput(run, b * BATCH_SIZE + j));

  await outboxDrained(ctx);
  const callsBefore = (await readTemporalCounters(ctx.stack.metricsUrl))?.startCalls;
  const workflowsBefore = (await ctx.temporal.workflow.count('')).count;
  const singles = await withHistories(
    ctx,
    await timedLoop(singleCount, SINGLE_CONCURRENCY, quarter(), 1, (i) => post(eventInput('ing-s', i))),
  );
  const batches = await withHistories(
    ctx,
    await timedLoop(batchCount, BATCH_CONCURRENCY, quarter(), BATCH_SIZE, (b) => post({ events: batch('ing-b', b) })),
  );
  const callsAfter = (await readTemporalCounters(ctx.stack.metricsUrl))?.startCalls;
  const workflowsAfter = (await ctx.temporal.workflow.count('')).count;

  const singlesFloor = await timedLoop(singleCount, SINGLE_CONCURRENCY, quarter(), 1, (i) =>
    writeFloor([eventInput('ing-s', i)]),
  );
  const batchesFloor = await timedLoop(batchCount, BATCH_CONCURRENCY, quarter(), BATCH_SIZE, (b) =>
    writeFloor(batch('ing-b', b)),
  );
  return {
    singles,
    singlesFloor,
    batches,
    batchesFloor,
    temporalCalls: callsBefore === undefined || callsAfter === undefined ? 'unknown' : callsAfter - callsBefore,
    temporalWorkflowsStarted: workflowsAfter - workflowsBefore,
  };
}

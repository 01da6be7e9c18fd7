// The broadcast phase: one entity event enters every profile its campaign's audience matches
// (5,000 of 20,000 by default), each journey one webhook. It measures how fast users are
// entered and webhooks sent, and whether memory stays flat while the audience is paged through.
import { setTimeout as sleep } from 'node:timers/promises';
import { fanOutIds } from '../domain/fan-out';
import type { BenchContext } from './context';
import { rssMiB } from './stack';
import { closedLoop } from './stats';

const CAMPAIGN = 'bench-broadcast';
const TRIGGER = 'bench_broadcast';
const BATCH_SIZE = 500;
/** One profile in this many matches the audience. */
const MATCH_EVERY = 4;
/** The whole phase's bound: it runs only when asked for, outside the default budget. */
const PHASE_BOUND_MS = 30 * 60_000;
const MEASURED = ['gateway', 'worker', 'ferretdb'] as const;

export interface MemorySpan {
  start?: number;
  peak?: number;
  end?: number;
}

export interface BroadcastResult {
  profiles: number;
  audience: number;
  /** Journeys the fan-out entered (named `started` so the phase's cost is reported per journey). */
  started: number;
  /** From the event POST until the fan-out had entered every matching user. */
  enterMs: number;
  enteredPerSecond: number;
  /** Webhooks that reached the receiver, and from the event POST until the last one. */
  webhooks: number;
  lastWebhookMs: number;
  webhooksPerSecond: number;
  /** RSS in MiB while the broadcast ran, sampled every second. */
  memory: Record<(typeof MEASURED)[number], MemorySpan>;
}

/** Profiles of this run's users, one in MATCH_EVERY of them gold, through event batches as a product sends them. */
async function loadProfiles(ctx: BenchContext, run: string, count: number): Promise<void> {
  const loop = await closedLoop(Math.ceil(count / BATCH_SIZE), 2, PHASE_BOUND_MS, async (b) => {
    const events = Array.from({ length: Math.min(BATCH_SIZE, count - b * BATCH_SIZE) }, (_, j) => {
      const i = b * BATCH_SIZE + j;
      const tier = i % MATCH_EVERY === 0 ? 'gold' : 'basic';
      return { id: `${run}-seen-${i}`, userId: `${run}-user-${i}`, name: 'bench_seen', userProperties: { tier, run } };
    });
    await ctx.gateway.postEvents({ events });
  });
  if (loop.failed > 0) throw new Error(`${loop.failed} profile batches failed: ${loop.firstError}`);
}

/** Every journey's webhook carries `ref` (each fan-out journey's trigger event has its own id). */
async function createCampaign(ctx: BenchContext, run: string, ref: string): Promise<void> {
  await ctx.gateway.expect(
    'POST',
    '/v1/campaigns',
    {
      id: CAMPAIGN,
      name: 'bench broadcast',
      trigger: { event: TRIGGER, entityEvents: true },
      audience: {
        all: [
          { field: 'user.properties.run', op: 'eq', value: run },
          { field: 'user.properties.tier', op: 'eq', value: 'gold' },
        ],
      },
      steps: [
        {
          id: 'hook',
          type: 'webhook',
          request: { method: 'POST', url: ctx.receiver.url, body: { ref, user: '{{user.id}}' } },
        },
      ],
    },
    201,
  );
  await ctx.gateway.expect('POST', `/v1/campaigns/${CAMPAIGN}/activate`, undefined, 200);
}

function sampleMemory(ctx: BenchContext, memory: BroadcastResult['memory']): void {
  for (const name of MEASURED) {
    const rss = rssMiB(ctx.pids.get(name));
    if (rss === undefined) continue;
    const span = memory[name];
    span.start ??= rss;
    span.peak = Math.max(span.peak ?? 0, rss);
    span.end = rss;
  }
}

/** Polls the fan-out's progress, sampling memory, until it entered everyone; returns when that was. */
async function waitForEntry(ctx: BenchContext, fanOutId: string, memory: BroadcastResult['memory'], until: number) {
  let entered = 0;
  while (performance.now() < until) {
    sampleMemory(ctx, memory);
    const res = await ctx.gateway.request('GET', `/v1/fanouts/${encodeURIComponent(fanOutId)}`);
    if (res.status === 200) {
      const { progress } = JSON.parse(res.body) as { progress?: { status: string; entered: number } };
      entered = progress?.entered ?? entered;
      if (progress?.status === 'completed') return { entered, at: performance.now() };
    }
    await sleep(1_000);
  }
  return { entered, at: performance.now() };
}

export async function runBroadcast(ctx: BenchContext, profiles: number): Promise<BroadcastResult> {
  const run = `bcast${Date.now().toString(36)}`;
  const audience = Math.ceil(profiles / MATCH_EVERY);
  await loadProfiles(ctx, run, profiles);
  const memory = Object.fromEntries(MEASURED.map((name) => [name, {}])) as BroadcastResult['memory'];
  const eventId = `${run}-event`;
  await createCampaign(ctx, run, eventId);
  const posted = performance.now();
  const until = posted + PHASE_BOUND_MS;
  await ctx.gateway.expect('POST', '/v1/events', { id: eventId, name: TRIGGER, properties: {} }, 202);
  const entry = await waitForEntry(ctx, fanOutIds.entityEvent(eventId, CAMPAIGN), memory, until);
  const sampler = setInterval(() => sampleMemory(ctx, memory), 1_000);
  const last = await ctx.receiver.arrival(eventId, audience, Math.max(1, until - performance.now()));
  clearInterval(sampler);
  sampleMemory(ctx, memory);
  const lastWebhookMs = Math.round((last ?? performance.now()) - posted);
  const enterMs = Math.round(entry.at - posted);
  const webhooks = ctx.receiver.count(eventId);
  return {
    profiles,
    audience,
    started: entry.entered,
    enterMs,
    enteredPerSecond: Math.round((entry.entered * 10_000) / enterMs) / 10,
    webhooks,
    lastWebhookMs,
    webhooksPerSecond: Math.round((webhooks * 10_000) / lastWebhookMs) / 10,
    memory,
  };
}

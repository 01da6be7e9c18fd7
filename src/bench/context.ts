import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import type { GatewayClient } from './gateway-client';
import type { BenchReceiver } from './receiver';
import type { BenchStack, NodeProcess, TemporalKind } from './stack';

export interface BenchOptions {
  /** Journeys (and floor workflows) per measured run. */
  journeys: number;
  /** Work in flight at once, the same for the floor and Hookway. */
  concurrency: number;
  singles: number;
  batches: number;
  parked: number;
  fanoutEvents: number;
  /** Profiles the broadcast phase creates (a quarter match its audience). */
  broadcastProfiles: number;
  /** Events the data-growth phase loads. */
  dataEvents: number;
  /** Upper bound of any one measured run, in ms. */
  phaseMs: number;
  /** The whole benchmark's time budget, in ms: runs shrink, and phases are skipped, to keep it. */
  budgetMs: number;
  cpuProfileDir?: string;
  /** The Temporal server the bench starts, when TEMPORAL_ADDRESS names none. */
  temporalServer: TemporalKind;
}

export interface BenchContext {
  options: BenchOptions;
  stack: BenchStack;
  receiver: BenchReceiver;
  gateway: GatewayClient;
  temporal: Client;
  /** A direct driver connection, for the database floor. */
  mongo: Connection;
  floorTaskQueue: string;
  /** performance.now() by which the measuring must be over (the budget less time to stop). */
  deadline: number;
  /** Everything started, by name (gateway, worker, worker-2, floor-worker, temporal, ferretdb): for CPU and RSS readings. */
  pids: Map<string, number | undefined>;
  startWorker(name: string): Promise<NodeProcess>;
  /** The gateway's and the first worker's Prometheus endpoints, where their database commands are counted. */
  metricsUrls: string[];
}

/** How long the next measured run may take: the phase bound, or less when the budget runs out. */
export function runMs(ctx: BenchContext, share = 1): number {
  return Math.max(5_000, Math.min(ctx.options.phaseMs, (ctx.deadline - performance.now()) * share));
}

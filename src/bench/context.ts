import type { Client } from '@temporalio/client';
import type { Connection } from 'mongoose';
import type { GatewayClient } from './gateway-client';
import type { BenchReceiver } from './receiver';
import type { BenchStack, NodeProcess } from './stack';

export interface BenchOptions {
  /** Journeys (and floor workflows) per measured run. */
  journeys: number;
  /** Work in flight at once, the same for the floor and Hookway. */
  concurrency: number;
  singles: number;
  batches: number;
  parked: number;
  fanoutEvents: number;
  /** Upper bound of any one measured run, in ms. */
  phaseMs: number;
  cpuProfileDir?: string;
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
  /** Everything started, by name (gateway, worker, worker-2, floor-worker, temporal, ferretdb): for CPU and RSS readings. */
  pids: Map<string, number | undefined>;
  startWorker(name: string): Promise<NodeProcess>;
}

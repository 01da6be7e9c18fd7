import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Config } from './config';
import type { Repositories } from './db/connection';
import { AddressPolicy } from './delivery/address-guard';
import { WebhookSender } from './delivery/sender';
import type { Logger } from './logger';
import type { WorkerMetrics } from './metrics/worker-metrics';

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  repositories: Repositories;
  /** Encrypts what the worker hands Temporal (src/temporal/payload-codec.ts). */
  codec: PayloadCodec;
  webhookTimeoutMs: number;
  network: Config['network'];
  logger: Logger;
  /** Where activities report Prometheus metrics (the worker serves them when a port is set). */
  metrics?: WorkerMetrics;
  /** A prebuilt bundle (tests build one for the whole run); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * Journeys kept in the worker's cache. The SDK's default follows the heap limit (about 2,300
 * on a 4 GiB heap) and each cached journey held about 0.4 MiB in the benchmark, which would
 * put a worker with thousands of parked journeys over 1 GiB. A parked journey evicted from
 * the cache costs one short replay when its timer fires, so a smaller cache is cheap.
 */
export const CACHED_JOURNEYS = 1_000;

export async function createJourneyWorker(opts: JourneyWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    maxCachedWorkflows: CACHED_JOURNEYS,
    dataConverter: { payloadCodecs: [opts.codec] },
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({
      repositories: opts.repositories,
      sender: new WebhookSender(new AddressPolicy(opts.network)),
      webhookTimeoutMs: opts.webhookTimeoutMs,
      logger: opts.logger,
      metrics: opts.metrics,
    }),
  });
}

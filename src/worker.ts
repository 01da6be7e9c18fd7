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
  webhookTimeoutMs: number;
  network: Config['network'];
  logger: Logger;
  /** Where activities report Prometheus metrics (the worker serves them when a port is set). */
  metrics?: WorkerMetrics;
  /** A prebuilt bundle (tests build one for the whole run); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createJourneyWorker(opts: JourneyWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
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

import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Repositories } from './db/connection';
import type { Logger } from './logger';

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  repositories: Repositories;
  webhookTimeoutMs: number;
  logger: Logger;
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
      profiles: opts.repositories.profiles,
      deliveries: opts.repositories.deliveries,
      webhookTimeoutMs: opts.webhookTimeoutMs,
      logger: opts.logger,
    }),
  });
}

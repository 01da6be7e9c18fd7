// The journey worker: its wiring, shared by `npm run worker` (src/worker-main.ts) and the tests,
// as src/gateway/start.ts is for the gateway.
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { collectDefaultMetrics } from 'prom-client';
import { createActivities } from '../activities';
import { workerStopGraceMs, type Config } from './config';
import { connectRepositories, type Repositories } from './db/connection';
import { AddressPolicy } from './delivery/address-guard';
import { WebhookSender } from './delivery/sender';
import type { Logger } from './logger';
import { countDbCommands } from './metrics/db-commands';
import { serveMetrics } from './metrics/serve';
import { databaseState } from './db/health';
import { WorkerMetrics } from './metrics/worker-metrics';
import { enterJourney } from './temporal/journeys';
import { loadWorkflowBundle } from './workflow-bundle';

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
  /** The bundle tests share for the whole run; otherwise the one `npm run build` wrote (src/workflow-bundle.ts). */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * Journeys kept in the worker's cache. The SDK's default follows the heap limit (about 2,300
 * on a 4 GiB heap) and each cached journey held about 0.4 MiB in the benchmark, which would
 * put a worker with thousands of parked journeys over 1 GiB. A parked journey evicted from
 * the cache costs one short replay when its timer fires, so a smaller cache is cheap.
 */
export const CACHED_JOURNEYS = 1_000;

/**
 * Workflow tasks the worker takes at once (the SDK's default is 40). Every activation runs on
 * the one workflow thread, so tasks taken beyond what it can finish within the server's 10 s
 * workflow task timeout only wait: after a freeze or a CPU-starved spell the backlog filled all
 * 40 slots, each task waited past its timeout, the server gave it out again, and the work was
 * done twice and thrown away ("Task not found when completing"), so journeys made no progress
 * for minutes. With fewer slots a task is taken only when it can be finished; the rest stay
 * queued on the server, where waiting costs nothing.
 */
export const WORKFLOW_TASK_SLOTS = 10;

/**
 * Of the worker's workflow task polls, the share on the task queue every new journey's first
 * task arrives on; the rest wait on the worker's sticky queue, where a running journey's later
 * tasks go. The SDK's 0.2 suits long workflows of many tasks; a one-webhook journey has one of
 * each. A task that finds no poll waiting is stored in the queue's backlog, and the benchmark
 * saw the dev server hand those out seconds later (4.3 s on average from the root partition):
 * with 0.5, journeys/s rose 9.8 -> 11.6 (medians of 2 alternating runs; 0.29 -> 0.36 x the floor).
 */
export const NEW_JOURNEY_POLL_SHARE = 0.5;

/**
 * The workflow sandbox's deadlock timer, off. The SDK runs each workflow activation in a `vm`
 * context (microtaskMode 'afterEvaluate') with a wall-clock `timeout`, 5 s by default (the
 * `isolateExecutionTimeout` option, passed through though not in the SDK's typings). When the
 * process is frozen, starved of CPU or paused by the host during an activation, the timer fires
 * on resume: the activation is terminated mid-microtask, which fails the workflow task and can
 * leave Node's async-hook stack corrupted, crashing the whole worker ("async hook stack has
 * become corrupted": nodejs/node#38503, temporalio/sdk-typescript#939). The longest timeout Node
 * allows (the SDK's own debugMode value) removes that path; journey code is ours and has no
 * unbounded loop, and a workflow task that never finishes still shows as timed out in Temporal.
 */
export const WORKFLOW_SANDBOX_OPTIONS = { isolateExecutionTimeout: '4294967295ms' };

export async function createJourneyWorker(opts: JourneyWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    maxCachedWorkflows: CACHED_JOURNEYS,
    maxConcurrentWorkflowTaskExecutions: WORKFLOW_TASK_SLOTS,
    nonStickyToStickyPollRatio: NEW_JOURNEY_POLL_SHARE,
    shutdownGraceTime: workerStopGraceMs(opts.webhookTimeoutMs),
    ...WORKFLOW_SANDBOX_OPTIONS,
    dataConverter: { payloadCodecs: [opts.codec] },
    workflowBundle: opts.workflowBundle ?? (await loadWorkflowBundle()),
    activities: createActivities({
      repositories: opts.repositories,
      sender: new WebhookSender(new AddressPolicy(opts.network), opts.network.proxy),
      webhookTimeoutMs: opts.webhookTimeoutMs,
      logger: opts.logger,
      metrics: opts.metrics,
      enterJourney,
    }),
  });
}

export interface WorkerStartOptions extends Omit<JourneyWorkerOptions, 'connection' | 'repositories' | 'metrics'> {
  mongoUri: string;
  temporalAddress: string;
  /** Serves Prometheus /metrics here (port 0: any free port); unset: not served. */
  metricsAt?: { host: string; port: number };
  /** Adds Node's process metrics; set by the entry point, once per process. */
  processMetrics?: boolean;
}

export interface RunningWorker {
  /** Where /metrics is served, when it is. */
  metricsUrl?: string;
  /** Settles when the worker stops (after stop(), or on a fatal error). */
  running: Promise<void>;
  stop(): Promise<void>;
}

/**
 * How old the worker's view of an active campaign's status and of the settings may be: read
 * about once per this interval instead of once per webhook. A pause (or a settings change)
 * reaches this worker's next webhooks within it; gateways see other gateways' campaign changes
 * within HOOKWAY_CAMPAIGN_REFRESH_MS (5 s).
 */
export const LIVE_READ_MAX_AGE_MS = 1_000;

export async function startWorker(opts: WorkerStartOptions): Promise<RunningWorker> {
  const { logger } = opts;
  const repositories = await connectRepositories(opts.mongoUri, logger);
  repositories.campaigns.cacheLiveReads(LIVE_READ_MAX_AGE_MS);
  repositories.settings.cacheFor(LIVE_READ_MAX_AGE_MS);
  const metrics = new WorkerMetrics(repositories.destinations);
  if (opts.processMetrics) collectDefaultMetrics({ register: metrics.registry });
  countDbCommands(repositories.connection, metrics.registry);
  // Metrics are worth a warning, not a worker: a taken port leaves the worker running without them.
  const metricsServer =
    opts.metricsAt &&
    (await serveMetrics(metrics.registry, opts.metricsAt.host, opts.metricsAt.port, async () => ({
      mongodb: await databaseState(repositories.connection.db!),
    })).catch((err: Error) => {
      logger.warn(
        { err: err.message, port: opts.metricsAt?.port },
        'worker metrics not served; set WORKER_METRICS_PORT to a free port (0: off)',
      );
      return undefined;
    }));
  if (metricsServer) logger.info({ url: metricsServer.url }, 'worker metrics');
  const connection = await NativeConnection.connect({ address: opts.temporalAddress });
  const worker = await createJourneyWorker({ ...opts, connection, repositories, metrics });
  const running = worker.run();
  return {
    metricsUrl: metricsServer?.url,
    running,
    async stop() {
      worker.shutdown();
      await running;
      metricsServer?.server.close();
      await connection.close();
      await repositories.statsRecorder.close();
      await repositories.connection.close();
    },
  };
}

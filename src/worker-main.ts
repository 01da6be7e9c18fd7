// The worker alone: `npm run worker`. Scale out by running several on the same task queue.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig, mongoUri, temporalAddress } from './config';
import { connectRepositories } from './db/connection';
import { collectDefaultMetrics } from 'prom-client';
import { announceReady } from './embedded/ready';
import { createLogger } from './logger';
import { serveMetrics } from './metrics/serve';
import { WorkerMetrics } from './metrics/worker-metrics';
import { stopOnSignal } from './shutdown';
import { connectClient, ensureSearchAttributes } from './temporal/connect';
import { ensureRetentionSchedule } from './temporal/retention-schedule';
import { installTemporalRuntime } from './temporal/runtime';
import { createJourneyWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installTemporalRuntime(logger);
  const address = temporalAddress(config);
  const client = await connectClient(address, config.temporalNamespace);
  try {
    await ensureSearchAttributes(client, config.temporalNamespace);
  } catch (err) {
    logger.warn({ err }, 'could not register search attributes; register them as the README says');
  }
  try {
    await ensureRetentionSchedule(client, { taskQueue: config.taskQueue, retentionMs: config.eventRetentionMs });
  } finally {
    await client.connection.close();
  }
  const repositories = await connectRepositories(mongoUri(config), logger);
  const metrics = new WorkerMetrics(repositories.destinations);
  collectDefaultMetrics({ register: metrics.registry });
  // Metrics are worth a warning, not a worker: a taken port leaves the worker running without them.
  const metricsServer =
    config.workerMetricsPort === 0
      ? undefined
      : await serveMetrics(metrics.registry, config.host, config.workerMetricsPort).catch((err: Error) => {
          logger.warn({ err: err.message, port: config.workerMetricsPort }, 'worker metrics not served; set WORKER_METRICS_PORT to a free port (0: off)');
          return undefined;
        });
  if (metricsServer) logger.info({ url: metricsServer.url }, 'worker metrics');
  const connection = await NativeConnection.connect({ address });
  const worker = await createJourneyWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    repositories,
    webhookTimeoutMs: config.webhookTimeoutMs,
    network: config.network,
    logger,
    metrics,
  });
  const running = worker.run();
  logger.info({ taskQueue: config.taskQueue }, 'worker running');
  announceReady();
  stopOnSignal(logger, async () => {
    worker.shutdown();
    await running;
    metricsServer?.server.close();
    await connection.close();
    await repositories.statsRecorder.close();
    await repositories.connection.close();
  });
  await running;
}

main().catch((err) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

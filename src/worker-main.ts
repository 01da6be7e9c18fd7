// The worker alone: `npm run worker`. Scale out by running several on the same task queue.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig, mongoUri, temporalAddress } from './config';
import { connectRepositories } from './db/connection';
import { createLogger } from './logger';
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
  const repositories = await connectRepositories(mongoUri(config));
  const connection = await NativeConnection.connect({ address });
  const worker = await createJourneyWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    repositories,
    webhookTimeoutMs: config.webhookTimeoutMs,
    network: config.network,
    logger,
  });
  const running = worker.run();
  logger.info({ taskQueue: config.taskQueue }, 'worker running');
  stopOnSignal(logger, async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await repositories.connection.close();
  });
  await running;
}

main().catch((err) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

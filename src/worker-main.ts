// The worker alone: `npm run worker`. Scale out by running several on the same task queue.
import { loadConfig, mongoUri, resolveCodecKeys, temporalAddress } from './config';
import { announceReady } from './embedded/ready';
import { createLogger } from './logger';
import { stopOnSignal } from './shutdown';
import { connectClient, ensureSearchAttributes } from './temporal/connect';
import { ensureRetentionSchedule } from './temporal/retention-schedule';
import { EncryptionCodec } from './temporal/payload-codec';
import { installTemporalRuntime } from './temporal/runtime';
import { startWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installTemporalRuntime(logger);
  const address = temporalAddress(config);
  const codec = new EncryptionCodec(resolveCodecKeys(config));
  const client = await connectClient(address, config.temporalNamespace, codec);
  try {
    await ensureSearchAttributes(client, config.temporalNamespace);
  } catch (err) {
    logger.warn({ err }, 'could not register search attributes; register them as docs/configuration.md says');
  }
  try {
    await ensureRetentionSchedule(client, { taskQueue: config.taskQueue, retentionMs: config.eventRetentionMs });
  } finally {
    await client.connection.close();
  }
  const worker = await startWorker({
    mongoUri: mongoUri(config),
    temporalAddress: address,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    codec,
    webhookTimeoutMs: config.webhookTimeoutMs,
    network: config.network,
    logger,
    metricsAt: config.workerMetricsPort === 0 ? undefined : { host: config.host, port: config.workerMetricsPort },
    processMetrics: true,
  });
  logger.info({ taskQueue: config.taskQueue }, 'worker running');
  announceReady();
  stopOnSignal(logger, () => worker.stop());
  await worker.running;
}

main().catch((err) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

// The gateway alone: `npm run gateway`. Scale out by running several behind a load balancer.
import { loadConfig, mongoUri, resolveApiKey, resolveCodecKeys, temporalAddress } from './config';
import { startGateway } from './gateway/start';
import { SupervisionReport } from './gateway/supervision';
import { announceReady } from './embedded/ready';
import { createLogger } from './logger';
import { stopOnSignal } from './shutdown';
import { EncryptionCodec } from './temporal/payload-codec';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'gateway');
  const gateway = await startGateway({
    mongoUri: mongoUri(config),
    temporalAddress: temporalAddress(config),
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    apiKey: resolveApiKey(config),
    ingestRate: config.ingestRate,
    port: config.port,
    host: config.host,
    campaignRefreshMs: config.campaignRefreshMs,
    outboxSweepMs: config.outboxSweepMs,
    webhookTimeoutMs: config.webhookTimeoutMs,
    secretGraceMs: config.secretGraceMs,
    fanOutEntriesPerSecond: config.fanOutEntriesPerSecond,
    network: config.network,
    codec: new EncryptionCodec(resolveCodecKeys(config)),
    codecCorsOrigins: config.codecCorsOrigins,
    codecUiSecret: config.codecUiSecret,
    logger,
    processMetrics: true,
    supervision: SupervisionReport.fromParent(),
    temporalUiUrl: config.temporalUiUrl,
  });
  logger.info({ url: gateway.url }, 'gateway listening');
  announceReady();
  stopOnSignal(logger, () => gateway.close());
}

main().catch((err) => {
  console.error(`gateway: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

// `npm start`: everything on one machine. Starts the embedded Temporal dev server (with the
// Web UI) and FerretDB unless TEMPORAL_ADDRESS / MONGODB_URI point at real ones, then the
// worker and the gateway as separate processes, and prints where to find things. It keeps
// them running: a process that exits is started again (see src/embedded/supervisor.ts), and so
// is a FerretDB that stops answering reads (src/embedded/database-watch.ts).
// Ctrl-C stops it all.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  loadConfig,
  mongoUri,
  resolveApiKey,
  resolveCodecKeys,
  temporalAddress,
  workerStopGraceMs,
  type Config,
} from './config';
import { formatCodecKeys } from './domain/codec-keys';
import { secureDataDir } from './embedded/data-dir';
import { startNodeProcess } from './embedded/node-process';
import { startFerretDb, startTemporalDevServer } from './embedded/services';
import { DatabaseWatch } from './embedded/database-watch';
import { Supervisor } from './embedded/supervisor';
import { createLogger, type Logger } from './logger';
import { stopOnSignal } from './shutdown';

function printWelcome(config: Config, apiKey: string): void {
  const gatewayUrl = `http://127.0.0.1:${config.port}`;
  const ui = config.temporalAddress
    ? "your Temporal cluster's Web UI"
    : `http://127.0.0.1:${config.embedded.temporalUiPort}`;
  console.log(
    [
      '',
      'Hookway is running.',
      `  Gateway:          ${gatewayUrl}`,
      `  Dashboard:        ${gatewayUrl}/dashboard/`,
      `  Temporal Web UI:  ${ui}`,
      `  API key:          ${apiKey}`,
      `  Data:             ${config.dataDir}`,
      'Stop it with Ctrl-C.',
      '',
    ].join('\n'),
  );
}

/** Starts the embedded FerretDB, and the watch that restarts it when it hangs. */
async function startFerretDbWatched(supervisor: Supervisor, config: Config, logger: Logger): Promise<DatabaseWatch> {
  const dataDir = path.join(config.dataDir, 'ferretdb');
  const logFile = path.join(config.dataDir, 'logs', 'ferretdb.log');
  await supervisor.start('ferretdb', () => startFerretDb({ dataDir, port: config.embedded.ferretdbPort, logFile }));
  const watch = new DatabaseWatch({
    supervisor,
    part: 'ferretdb',
    uri: mongoUri(config),
    restartAfterMs: config.embedded.ferretdbRestartAfterMs,
    logger,
  });
  watch.start();
  return watch;
}

async function startAll(supervisor: Supervisor, config: Config): Promise<string> {
  const logs = path.join(config.dataDir, 'logs');
  // The Web UI decodes payloads in the browser and cannot send an admin key, so it gets a codec
  // path holding a secret made for this start (never logged); the gateway serves it only to the UI's origin.
  const codecUiSecret = config.temporalAddress ? config.codecUiSecret : randomBytes(32).toString('base64url');
  if (!config.temporalAddress) {
    const server = {
      dbFile: path.join(config.dataDir, 'temporal.sqlite'),
      port: config.embedded.temporalPort,
      uiPort: config.embedded.temporalUiPort,
      uiCodecEndpoint: `http://127.0.0.1:${config.port}/codec/ui/${codecUiSecret}`,
      logFile: path.join(logs, 'temporal.log'),
    };
    await supervisor.start('temporal', () => startTemporalDevServer(server));
  }
  const apiKey = resolveApiKey(config);
  const temporalUi = config.temporalAddress
    ? config.temporalUiUrl
    : `http://127.0.0.1:${config.embedded.temporalUiPort}`;
  const env = {
    ...process.env,
    MONGODB_URI: mongoUri(config),
    TEMPORAL_ADDRESS: temporalAddress(config),
    TEMPORAL_UI_URL: temporalUi,
    HOOKWAY_API_KEY: apiKey,
    HOOKWAY_CODEC_KEYS: formatCodecKeys(resolveCodecKeys(config)),
    HOOKWAY_CODEC_UI_SECRET: codecUiSecret ?? '',
  };
  const node = (name: string, stopTimeoutMs?: number) => () =>
    startNodeProcess({ name, script: path.join(__dirname, `${name}-main.js`), env, ipc: true, stopTimeoutMs });
  // A stopping worker waits for the webhooks in flight; it is not killed before.
  const workerStopMs = workerStopGraceMs(config.webhookTimeoutMs) + 5_000;
  await Promise.all([
    supervisor.start('worker', node('worker', workerStopMs)),
    supervisor.start('gateway', node('gateway')),
  ]);
  return apiKey;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'hookway');
  let watch: DatabaseWatch | undefined;
  const stopAll = async () => {
    await watch?.stop();
    await supervisor.stopAll();
  };
  const supervisor = new Supervisor({
    logger,
    onGiveUp: () => void stopAll().finally(() => process.exit(1)),
  });
  stopOnSignal(logger, stopAll);
  try {
    secureDataDir(config.dataDir);
    if (!config.mongoUri) watch = await startFerretDbWatched(supervisor, config, logger);
    printWelcome(config, await startAll(supervisor, config));
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, 'start-up failed');
    await stopAll();
    process.exit(1);
  }
}

void main();

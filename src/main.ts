// `npm start`: everything on one machine. Starts the embedded Temporal dev server (with the
// Web UI) and FerretDB unless TEMPORAL_ADDRESS / MONGODB_URI point at real ones, then the
// worker and the gateway as separate processes, waits until the gateway is healthy, and
// prints where to find things. Ctrl-C stops it all.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig, mongoUri, resolveApiKey, resolveCodecKeys, temporalAddress } from './config';
import { formatCodecKeys } from './domain/codec-keys';
import { secureDataDir } from './embedded/data-dir';
import { startFerretDb, startTemporalDevServer } from './embedded/services';
import type { ServiceProcess } from './embedded/service-process';
import { createLogger } from './logger';
import { stopOnSignal } from './shutdown';

const READY_TIMEOUT_MS = 120_000;

function startNodeProcess(name: string, script: string, env: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawn(process.execPath, [path.join(__dirname, script)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitHealthy(url: string, failed: Promise<unknown>): Promise<void> {
  let gaveUp = false;
  void failed.then(() => (gaveUp = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!gaveUp && Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the gateway at ${url} did not become healthy`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'hookway');
  const processes: ServiceProcess[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const p of [...processes].reverse()) await p.stop();
  };
  stopOnSignal(logger, stopAll);

  try {
    secureDataDir(config.dataDir);
    const logs = path.join(config.dataDir, 'logs');
    if (!config.mongoUri) {
      processes.push(await startFerretDb({ dataDir: path.join(config.dataDir, 'ferretdb'), port: config.embedded.ferretdbPort, logFile: path.join(logs, 'ferretdb.log') }));
    }
    if (!config.temporalAddress) {
      processes.push(
        await startTemporalDevServer({
          dbFile: path.join(config.dataDir, 'temporal.sqlite'),
          port: config.embedded.temporalPort,
          uiPort: config.embedded.temporalUiPort,
          uiCodecEndpoint: `http://127.0.0.1:${config.port}/codec`,
          logFile: path.join(logs, 'temporal.log'),
        }),
      );
    }
    const apiKey = resolveApiKey(config);
    const env = {
      ...process.env,
      MONGODB_URI: mongoUri(config),
      TEMPORAL_ADDRESS: temporalAddress(config),
      HOOKWAY_API_KEY: apiKey,
      HOOKWAY_CODEC_KEYS: formatCodecKeys(resolveCodecKeys(config)),
    };
    processes.push(startNodeProcess('worker', 'worker-main.js', env), startNodeProcess('gateway', 'gateway-main.js', env));
    const anyExit = Promise.race(processes.map((p) => p.exited.then(() => p)));
    void anyExit.then(async (p) => {
      if (stopping) return;
      logger.error({ process: p.name }, 'a Hookway process stopped unexpectedly; stopping the rest');
      await stopAll();
      process.exit(1);
    });

    const gatewayUrl = `http://127.0.0.1:${config.port}`;
    await waitHealthy(gatewayUrl, anyExit);
    const ui = config.temporalAddress ? "your Temporal cluster's Web UI" : `http://127.0.0.1:${config.embedded.temporalUiPort}`;
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
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, 'start-up failed');
    await stopAll();
    process.exit(1);
  }
}

void main();

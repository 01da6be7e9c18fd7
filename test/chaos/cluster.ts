// The real embedded stack as `npm start` runs it, one process per part, so that a fault can
// hit one part: FerretDB and the Temporal dev server (a SQLite file, kept across restarts),
// then the worker and the gateway as their own node processes.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startFerretDb, startTemporalDevServer } from '../../src/embedded/services';
import type { ServiceProcess } from '../../src/embedded/service-process';
import { freePort } from '../support/ports';
import { TEST_CODEC_KEYS } from '../support/stack';

export type Part = 'ferretdb' | 'temporal' | 'worker' | 'gateway';

const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;
const DIST_SRC = path.join(__dirname, '..', '..', 'src');

export interface ClusterOptions {
  dir: string;
  apiKey: string;
  /** The worker's default webhook timeout, for url steps. */
  webhookTimeoutMs: number;
}

/** A node process of Hookway's; ready once its log says so. */
function startNodePart(name: string, script: string, env: NodeJS.ProcessEnv, logFile: string, readyLine: string): Promise<ServiceProcess> {
  // Readiness is looked for only in what this start writes to the log.
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [path.join(DIST_SRC, script)], { env, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const part: ServiceProcess = {
    name,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // A worker finishing a hung webhook attempt, or a gateway waiting on hand-offs, gets this long.
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  return (async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited during start-up; see ${logFile}`);
      if (readFileSync(logFile).subarray(logStart).toString('utf8').includes(readyLine)) return part;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${name} did not become ready in time; see ${logFile}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
}

export class ChaosCluster {
  readonly parts = new Map<Part, ServiceProcess>();
  /** Parts that exited while nobody asked them to: each is a crash. */
  readonly crashes: string[] = [];
  private readonly expectedExits = new Set<ServiceProcess>();
  private ports!: { ferretdb: number; temporal: number; gateway: number };

  constructor(private readonly opts: ClusterOptions) {}

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }

  get mongoUri(): string {
    return `mongodb://127.0.0.1:${this.ports.ferretdb}/hookway?directConnection=true&retryWrites=false`;
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.ports.temporal}`;
  }

  async start(): Promise<void> {
    this.ports = { ferretdb: await freePort(), temporal: await freePort(), gateway: await freePort() };
    await Promise.all([this.startPart('ferretdb'), this.startPart('temporal')]);
    await Promise.all([this.startPart('worker'), this.startPart('gateway')]);
  }

  private logFile(part: Part): string {
    return path.join(this.opts.dir, `${part}.log`);
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      MONGODB_URI: this.mongoUri,
      TEMPORAL_ADDRESS: this.temporalAddress,
      HOOKWAY_API_KEY: this.opts.apiKey,
      HOOKWAY_CODEC_KEYS: TEST_CODEC_KEYS,
      HOOKWAY_DATA_DIR: this.opts.dir,
      PORT: String(this.ports.gateway),
      HOST: '127.0.0.1',
      HOOKWAY_ALLOWED_CIDRS: '127.0.0.1/32',
      HOOKWAY_WEBHOOK_TIMEOUT_MS: String(this.opts.webhookTimeoutMs),
      HOOKWAY_OUTBOX_SWEEP_MS: '500',
      HOOKWAY_CAMPAIGN_REFRESH_MS: '1000',
      LOG_LEVEL: 'info',
    };
  }

  async startPart(part: Part): Promise<void> {
    const logFile = this.logFile(part);
    let started: ServiceProcess;
    switch (part) {
      case 'ferretdb':
        started = await startFerretDb({ dataDir: path.join(this.opts.dir, 'ferretdb'), port: this.ports.ferretdb, logFile });
        break;
      case 'temporal':
        started = await startTemporalDevServer({ dbFile: path.join(this.opts.dir, 'temporal.sqlite'), port: this.ports.temporal, logFile });
        break;
      case 'worker':
        started = await startNodePart('worker', 'worker-main.js', this.env(), logFile, '"worker running"');
        break;
      case 'gateway':
        started = await startNodePart('gateway', 'gateway-main.js', this.env(), logFile, '"gateway listening"');
        break;
    }
    this.parts.set(part, started);
    void started.exited.then((code) => {
      if (!this.expectedExits.has(started)) this.crashes.push(`${part} exited with ${code ?? started.child.signalCode}; see ${logFile}`);
    });
  }

  /** SIGKILL (a crash) or a clean stop. */
  async stopPart(part: Part, how: 'kill' | 'stop'): Promise<void> {
    const running = this.parts.get(part);
    if (!running) return;
    this.expectedExits.add(running);
    this.parts.delete(part);
    if (how === 'kill') {
      running.child.kill('SIGKILL');
      await running.exited;
    } else {
      await running.stop();
    }
  }

  async stop(): Promise<void> {
    for (const part of ['gateway', 'worker', 'temporal', 'ferretdb'] as const) await this.stopPart(part, 'stop');
  }
}

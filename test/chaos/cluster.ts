// The real embedded stack as `npm start` runs it, one process per part, so that a fault can
// hit one part: FerretDB and the Temporal dev server (a SQLite file, kept across restarts),
// then the worker and the gateway as their own node processes.
import path from 'node:path';
import { startFerretDb, startTemporalDevServer } from '../../src/embedded/services';
import type { ServiceProcess } from '../../src/embedded/service-process';
import { READY_LINE, startNodeProcess } from '../support/node-process';
import { freePort } from '../support/ports';

export type Part = 'ferretdb' | 'temporal' | 'worker' | 'gateway';

const DIST_SRC = path.join(__dirname, '..', '..', 'src');

export interface ClusterOptions {
  dir: string;
  apiKey: string;
  /** The worker's default webhook timeout, for url steps. */
  webhookTimeoutMs: number;
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
        started = await startNodeProcess({ name: part, script: path.join(DIST_SRC, 'worker-main.js'), env: this.env(), logFile, readyLine: READY_LINE.worker });
        break;
      case 'gateway':
        started = await startNodeProcess({ name: part, script: path.join(DIST_SRC, 'gateway-main.js'), env: this.env(), logFile, readyLine: READY_LINE.gateway });
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

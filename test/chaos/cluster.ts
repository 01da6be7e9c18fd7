// The real embedded stack as `npm start` runs it, one process per part and under the same
// supervisor, so that a fault can hit one part: FerretDB and the Temporal dev server (a SQLite
// file, kept across restarts), then the worker and the gateway as their own node processes.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { startNodeProcess } from '../../src/embedded/node-process';
import type { ServiceProcess } from '../../src/embedded/service-process';
import { startFerretDb, startTemporalDevServer } from '../../src/embedded/services';
import { Supervisor } from '../../src/embedded/supervisor';
import { createLogger } from '../../src/logger';
import { freePort } from '../../src/embedded/free-port';
import { TEST_CODEC_KEYS } from '../support/stack';
import type { SmallDisk } from './small-disk';
import { ferretDbUri } from '../../src/embedded/ferretdb-uri';

export type Part = 'ferretdb' | 'temporal' | 'worker' | 'gateway';

const DIST_SRC = path.join(__dirname, '..', '..', 'src');
const RESTART_TIMEOUT_MS = 180_000;

export interface ClusterOptions {
  /** The harness's own files (the supervisor's log). */
  dir: string;
  /** The data folder, as `npm start` lays it out: FerretDB, Temporal's file and the parts' logs. */
  dataDir: string;
  /** The data folder's own disk, for the disk-full fault, or why there is none. */
  disk: SmallDisk | { unavailable: string };
  apiKey: string;
  /** The worker's default webhook timeout, for url steps. */
  webhookTimeoutMs: number;
}

export class ChaosCluster {
  /** Parts that exited while nobody asked them to (the supervisor restarted them): each is a crash. */
  readonly crashes: string[] = [];
  /** Processes the harness killed itself, for the supervisor to restart: not crashes. */
  private readonly killedOnPurpose = new Set<number>();
  private ports!: { ferretdb: number; temporal: number; gateway: number };
  readonly supervisor: Supervisor;

  constructor(private readonly opts: ClusterOptions) {
    const logger = createLogger(
      'info',
      'supervisor',
      createWriteStream(path.join(opts.dir, 'supervisor.log'), { flags: 'a' }),
    );
    this.supervisor = new Supervisor({
      logger,
      onGiveUp: (reason) => this.crashes.push(`the supervisor gave up: ${reason}`),
      onExit: (part, pid, cause) => {
        if (pid === undefined || !this.killedOnPurpose.has(pid))
          this.crashes.push(`${part} exited (${cause}); see ${this.logFile(part as Part)}`);
      },
    });
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }

  get mongoUri(): string {
    return ferretDbUri(this.ports.ferretdb);
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
    return path.join(this.opts.dataDir, 'logs', `${part}.log`);
  }

  /** Why the data folder has no disk of its own, if it has none. */
  get diskUnavailable(): string | undefined {
    return 'unavailable' in this.opts.disk ? this.opts.disk.unavailable : undefined;
  }

  /** Fills the data folder's disk for `ms`, then frees the space; throws when the harness could not mount one. */
  async fillDisk(ms: number): Promise<void> {
    const disk = this.opts.disk;
    if ('unavailable' in disk) throw new Error(disk.unavailable);
    await disk.fill();
    try {
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      await disk.release();
    }
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      MONGODB_URI: this.mongoUri,
      TEMPORAL_ADDRESS: this.temporalAddress,
      HOOKWAY_API_KEY: this.opts.apiKey,
      HOOKWAY_CODEC_KEYS: TEST_CODEC_KEYS,
      HOOKWAY_DATA_DIR: this.opts.dataDir,
      PORT: String(this.ports.gateway),
      HOST: '127.0.0.1',
      HOOKWAY_ALLOWED_CIDRS: '127.0.0.1/32',
      HOOKWAY_WEBHOOK_TIMEOUT_MS: String(this.opts.webhookTimeoutMs),
      HOOKWAY_OUTBOX_SWEEP_MS: '500',
      HOOKWAY_CAMPAIGN_REFRESH_MS: '1000',
      LOG_LEVEL: 'info',
    };
  }

  private launcher(part: Part): () => Promise<ServiceProcess> {
    const logFile = this.logFile(part);
    switch (part) {
      case 'ferretdb':
        return () =>
          startFerretDb({ dataDir: path.join(this.opts.dataDir, 'ferretdb'), port: this.ports.ferretdb, logFile });
      case 'temporal':
        return () =>
          startTemporalDevServer({
            dbFile: path.join(this.opts.dataDir, 'temporal.sqlite'),
            port: this.ports.temporal,
            logFile,
          });
      case 'worker':
      case 'gateway': {
        const script = path.join(DIST_SRC, `${part}-main.js`);
        return () => startNodeProcess({ name: part, script, env: this.env(), logFile, ipc: true });
      }
    }
  }

  /** Starts a part, or starts again one stopped with `stopPart`. */
  async startPart(part: Part): Promise<void> {
    if (this.supervisor.status().parts.some((p) => p.name === part)) await this.supervisor.resume(part);
    else await this.supervisor.start(part, this.launcher(part));
  }

  /** SIGKILL (a crash) or a clean stop, on purpose: the supervisor leaves it stopped until `startPart`. */
  async stopPart(part: Part, how: 'kill' | 'stop'): Promise<void> {
    await this.supervisor.stop(part, how);
  }

  /** SIGKILL as a crash would, and waits for the supervisor to have it running again. */
  async crashPart(part: Part): Promise<void> {
    const running = this.supervisor.process(part);
    if (!running?.child.pid) throw new Error(`${part} is not running`);
    this.killedOnPurpose.add(running.child.pid);
    running.child.kill('SIGKILL');
    await running.exited;
    await this.supervisor.waitRunning(part, RESTART_TIMEOUT_MS);
  }

  /** SIGSTOP for `ms`, then SIGCONT: the process keeps its sockets but answers nothing, as in a long GC pause or a VM steal. */
  async freezePart(part: Part, ms: number): Promise<void> {
    const running = this.supervisor.process(part);
    if (!running) throw new Error(`${part} is not running`);
    running.child.kill('SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      running.child.kill('SIGCONT');
    }
  }

  async stop(): Promise<void> {
    await this.supervisor.stopAll();
  }
}

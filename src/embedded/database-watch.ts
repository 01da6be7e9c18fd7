// `npm start`'s watch on its embedded FerretDB. A FerretDB can hang without exiting: under heavy
// load its SQLite pool once had every connection held by open result sets, so `ping` answered
// while every query waited (docs/reliability.md). The supervisor restarts only what exits, so
// this reads one document by _id every few seconds and has the supervisor restart FerretDB once
// reads have failed or hung for `restartAfterMs`. Each restart that is not followed by a good
// read doubles the time the next one waits, so a database that is slow to come back is not
// restarted in a loop.
import mongoose from 'mongoose';
import { probeDatabase } from '../db/health';
import type { Logger } from '../logger';
import type { Supervisor } from './supervisor';

const PROBE_INTERVAL_MS = 2_000;
/** The longest a watch waits before restarting again a database that never answered since. */
const MAX_WAIT_MS = 10 * 60_000;

/** How long reads must fail before a restart, after `unanswered` restarts with no good read since. */
export function restartWaitMs(restartAfterMs: number, unanswered: number): number {
  return Math.min(MAX_WAIT_MS, restartAfterMs * 2 ** unanswered);
}

export interface DatabaseWatchOptions {
  supervisor: Supervisor;
  /** The supervisor's name for the FerretDB part. */
  part: string;
  uri: string;
  restartAfterMs: number;
  logger: Logger;
}

export class DatabaseWatch {
  private readonly client: mongoose.mongo.MongoClient;
  private timer?: NodeJS.Timeout;
  private failingSince?: number;
  /** Restarts since the last good read. */
  private unanswered = 0;
  private stopped = false;

  constructor(private readonly opts: DatabaseWatchOptions) {
    this.client = new mongoose.mongo.MongoClient(opts.uri, { serverSelectionTimeoutMS: PROBE_INTERVAL_MS });
  }

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client.close();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check().finally(() => this.schedule()), PROBE_INTERVAL_MS);
  }

  private running(): boolean {
    return this.opts.supervisor.status().parts.some((p) => p.name === this.opts.part && p.state === 'running');
  }

  private async check(): Promise<void> {
    // While the supervisor restarts it, the part is its business.
    if (!this.running()) return void (this.failingSince = undefined);
    try {
      await probeDatabase(this.client.db());
      this.failingSince = undefined;
      this.unanswered = 0;
    } catch (err) {
      await this.failed(err instanceof Error ? err.message : String(err));
    }
  }

  private async failed(reason: string): Promise<void> {
    const now = Date.now();
    this.failingSince ??= now;
    const waitMs = restartWaitMs(this.opts.restartAfterMs, this.unanswered);
    if (now - this.failingSince < waitMs || this.stopped) return;
    const cause = `reads failed or hung for ${Math.round((now - this.failingSince) / 1000)} s; last: ${reason}`;
    this.opts.logger.error(
      { process: this.opts.part, cause },
      `${this.opts.part} does not answer reads; restarting it`,
    );
    this.failingSince = undefined;
    this.unanswered += 1;
    await this.opts.supervisor.restartHung(this.opts.part, cause);
  }
}

import { randomUUID } from 'node:crypto';
import { addHistogram, emptyHistogram, floorTo, HOUR_MS, latencyBucket, type Counts } from '../domain/stats';
import type { Logger } from '../logger';
import type { StatsKey, StatsRow, StatsStore } from './stats';

export interface StatsRecorderOptions {
  /** How often counts kept in memory are written (a crash loses at most this much). */
  flushMs: number;
  /** Every this many flushes, this process also tries to compact (one process at a time does). */
  compactEvery: number;
  logger: Logger;
}

type PendingRow = StatsRow & { id: string };

/**
 * Adds up counts in memory and writes them as increments (see StatsStore). Callers count a
 * fact only after the idempotent write that records it said it was new, so an activity
 * retry never counts twice.
 */
export class StatsRecorder {
  private readonly process = randomUUID();
  private sequence = 0;
  private pending = new Map<string, StatsRow>();
  /** Rows whose write failed; written again with the same ids, so a write that did land is not doubled. */
  private unsent: PendingRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StatsStore,
    private readonly options: StatsRecorderOptions,
  ) {}

  count(key: StatsKey, counter: string, n = 1, at = new Date()): void {
    const { counts } = this.rowFor(key, at);
    counts[counter] = (counts[counter] ?? 0) + n;
  }

  latency(key: StatsKey, ms: number, at = new Date()): void {
    const row = this.rowFor(key, at);
    row.latency[latencyBucket(ms)] += 1;
  }

  /** Writes everything counted so far; concurrent calls run one after the other. */
  flush(): Promise<void> {
    // A failed write must not block the ones after it; its rows wait in `unsent`.
    this.flushing = this.flushing.catch(() => undefined).then(() => this.write());
    return this.flushing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Stops without writing: the database connection is gone. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private rowFor(key: StatsKey, at: Date): StatsRow {
    this.start();
    const hour = floorTo(at.getTime(), HOUR_MS);
    const id = `${key.campaignId}:${key.version}:${hour}`;
    let row = this.pending.get(id);
    if (!row) {
      row = {
        campaignId: key.campaignId,
        version: key.version,
        hour: new Date(hour),
        counts: {} as Counts,
        latency: emptyHistogram(),
      };
      this.pending.set(id, row);
    }
    return row;
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.flushMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.flush();
      if (++this.ticks % this.options.compactEvery === 0) await this.store.compact(this.process);
    } catch (err) {
      this.options.logger.warn({ err }, 'stats could not be written; they are kept and written at the next try');
    }
  }

  private async write(): Promise<void> {
    const rows = [...this.pending.values()].map((row) => ({
      ...row,
      latency: addHistogram([], row.latency),
      id: `${this.process}:${++this.sequence}`,
    }));
    this.pending = new Map();
    const batch = [...this.unsent, ...rows];
    this.unsent = batch;
    await this.store.insertIncrements(batch);
    this.unsent = [];
  }
}

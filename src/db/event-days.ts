import { randomInt } from 'node:crypto';
import type { Connection } from 'mongoose';
import { AppendLog, type LogDocument, type LogEntry } from './append-log';
import { isDuplicateKey } from './duplicate-key';

/**
 * Which events exist, by day, so the retention purge reads what it deletes instead of searching
 * `events` by timestamp (FerretDB on SQLite reads the whole collection for any filter but an
 * exact { _id }). Each day has LANES append logs (append-log.ts), "day:<YYYY-MM-DD>:<lane>#<n>",
 * whose entries list events with their user and timestamp; every read and write names one _id.
 *
 * Events are logged on the day they are written, by the writer's clock (their timestamps may be
 * any), so writers only ever append to today's logs: a past day's logs are complete once the day
 * is over, and the purge can delete them when their events are gone without racing a writer. The
 * start-up migration is the exception: it logs the events stored before these logs existed on
 * the days of their timestamps, once, before the purge knows those days (event-retention.ts).
 * Each process appends to one lane picked at random and moves to another when a writer took the
 * entry it tried (both were on one lane), so writers settle on lanes of their own: a lost race
 * costs an insert and a read of the lane's end, and two writers sharing a lane would pay it on
 * nearly every append.
 */

/** An event as its day's log lists it. */
export interface DayItem {
  id: string;
  /** Absent on an entity event. */
  userId?: string;
  /** The event's timestamp. */
  at: Date;
}

export const LANES = 8;
/** Items per entry: what the purge reads at once. */
const ENTRY_ITEMS = 1_000;
/** Entries a reader asks for at once. */
const READ_AHEAD = 16;
/** Marks that the events stored before the day logs existed were logged (EventRepository.migrateToDays). */
const MIGRATION_MARK = 'migrated:events';
/** Lanes tried for one entry before giving up: each lost race moves to another. */
const MAX_TRIES = 200;

const DAY_MS = 86_400_000;

/** The UTC day of a time, as "YYYY-MM-DD". */
export function dayOf(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** The time the day after `day` begins. */
export function dayEnd(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS);
}

const dayLog = (day: string, lane: number) => `day:${day}:${lane}`;

export class EventDays {
  private lane: number;
  /** Today's writer: a new one each day, so the hints it keeps of past days' logs are dropped. */
  private today?: { day: string; log: AppendLog<DayItem> };
  private readonly reader: AppendLog<DayItem>;

  /** `lane`: where this writer starts (random unless a test places it). */
  constructor(
    private readonly connection: Connection,
    lane = randomInt(LANES),
  ) {
    this.lane = lane;
    this.reader = new AppendLog<DayItem>(this.records, false);
  }

  private get records() {
    return this.connection.collection<LogDocument<DayItem>>('event_days');
  }

  /** Logs events written now, on today's log. */
  async record(items: DayItem[], now = new Date()): Promise<void> {
    const day = dayOf(now);
    if (this.today?.day !== day) this.today = { day, log: new AppendLog<DayItem>(this.records, true) };
    await this.append(this.today.log, day, items);
  }

  /**
   * Logs events on the days of their timestamps, and returns those days: only for the
   * migration, before the purge knows those days.
   */
  async recordByTimestamp(items: DayItem[]): Promise<string[]> {
    const byDay = new Map<string, DayItem[]>();
    for (const item of items) {
      const day = dayOf(item.at);
      byDay.set(day, [...(byDay.get(day) ?? []), item]);
    }
    const log = new AppendLog<DayItem>(this.records, true);
    for (const [day, listed] of byDay) await this.append(log, day, listed);
    return [...byDay.keys()];
  }

  private async append(log: AppendLog<DayItem>, day: string, items: DayItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += ENTRY_ITEMS)
      await this.appendEntry(log, day, items.slice(i, i + ENTRY_ITEMS));
  }

  private async appendEntry(log: AppendLog<DayItem>, day: string, items: DayItem[]): Promise<void> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if (await log.tryAppend(dayLog(day, this.lane), items)) return;
      this.lane = (this.lane + 1 + randomInt(LANES - 1)) % LANES;
    }
    throw new Error(`could not append to the day log of ${day}: ${MAX_TRIES} concurrent appends won the race`);
  }

  /**
   * The entries of a day's lane from entry `from` on, in order; reads ahead more at once the
   * longer the lane goes on (most lanes of a day are empty or short).
   */
  async *entries(day: string, lane: number, from: number): AsyncGenerator<LogEntry<DayItem>> {
    for (let seq = from, ahead = 1; ; seq += ahead, ahead = Math.min(2 * ahead, READ_AHEAD)) {
      const found = await Promise.all(
        Array.from({ length: ahead }, (_, k) => this.reader.entry(dayLog(day, lane), seq + k)),
      );
      for (const entry of found) {
        if (!entry) return;
        yield entry;
      }
    }
  }

  /** Deletes a past day's lane (its first `count` entries): no writer appends to it any more. */
  async drop(day: string, lane: number, count: number, concurrency: number): Promise<void> {
    await this.reader.drop(dayLog(day, lane), count, concurrency);
  }

  async migrated(): Promise<boolean> {
    return (await this.records.findOne({ _id: MIGRATION_MARK })) !== null;
  }

  /** Several processes may finish the migration at once: the first mark stands. */
  async markMigrated(): Promise<void> {
    try {
      await this.records.insertOne({ _id: MIGRATION_MARK, seq: 0 });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}

import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Logger } from '../logger';
import type { DayItem, EventDays } from './event-days';
import { userHistoryEvents, type EventHistory, type UserHistoryEvent } from './event-history';

/**
 * Users' histories (event-history.ts) and the day logs the retention purge reads
 * (event-days.ts) are appended off the request path. Appending reads each
 * user's last entry and writes a new one; done inside an event post it made single posts 3 ×
 * slower and batches of new users miss the gateway's database deadline. So a post writes its
 * user events as ONE record here (one insert, no reads) and, once answered, hands them to this
 * process's folder, which appends everything handed to it since its last fold at once (a group
 * commit: a user posting in many requests costs one append per fold, not per request), then
 * deletes the folded records; entity events (no user) are kept there for their day log only.
 * Records a process left behind (it died after answering, or a
 * fold failed) are folded by the gateway's outbox sweep. Folding a record twice is harmless:
 * history readers count each event id once, and the purge each deleted event.
 *
 * The collection holds only records not yet folded (normally those of the last fraction of a
 * second), so the sweep's query on `receivedAt` and the deletion by a list of ids, which
 * FerretDB on SQLite serves by reading the whole collection, read a few documents.
 */

interface OutboxRecord {
  _id: string;
  receivedAt: Date;
  events: UserHistoryEvent[];
  /** Absent on records written before entity events were logged by day. */
  entityEvents?: DayItem[];
}

/** Events waiting for their fold: with the outbox record that holds them, if any. */
export interface PendingHistory {
  recordId?: string;
  /** User events, for their histories and day logs. */
  events: UserHistoryEvent[];
  /** Entity events, for their day logs. */
  entityEvents: DayItem[];
}

/** What a fold of these stored events has to write. */
export function pendingOf(
  events: Array<Parameters<typeof userHistoryEvents>[0][number]>,
): Omit<PendingHistory, 'recordId'> {
  return {
    events: userHistoryEvents(events),
    entityEvents: events.flatMap((e) => (e.userId === undefined ? [{ id: e._id, at: e.timestamp }] : [])),
  };
}

const isEmpty = (pending: Omit<PendingHistory, 'recordId'>) =>
  pending.events.length === 0 && pending.entityEvents.length === 0;

interface Queued {
  pending: PendingHistory;
  done: (folded: boolean) => void;
}

/** Records the sweep folds per round. */
const SWEEP_PAGE = 500;

export class HistoryOutbox {
  private queue: Queued[] = [];
  private folding = false;
  /**
   * The folds of the records this process holds, by id: when folds lag behind the sweep's
   * interval (a loaded database), the sweep waits for them instead of folding them again.
   */
  private readonly held = new Map<string, Promise<boolean>>();

  constructor(
    private readonly connection: Connection,
    private readonly history: EventHistory,
    private readonly days: EventDays,
    private readonly logger: Logger,
  ) {}

  private get records() {
    return this.connection.collection<OutboxRecord>('history_outbox');
  }

  /** Stores what one request's events owe as one record; nothing when there are none. */
  async record(pending: Omit<PendingHistory, 'recordId'>, receivedAt: Date): Promise<PendingHistory> {
    if (isEmpty(pending)) return pending;
    const recordId = randomUUID();
    await this.records.insertOne({ _id: recordId, receivedAt, ...pending });
    return { recordId, ...pending };
  }

  /**
   * Queues events for the next fold; true once they are in their users' histories, false when
   * the fold failed (an outbox record is then folded by the sweep). Never rejects. A record
   * this process is folding already is not queued again: its fold is returned.
   */
  fold(pending: PendingHistory): Promise<boolean> {
    if (isEmpty(pending)) return Promise.resolve(true);
    const { recordId } = pending;
    const held = recordId === undefined ? undefined : this.held.get(recordId);
    if (held) return held;
    const folded = new Promise<boolean>((done) => {
      this.queue.push({ pending, done });
      if (this.folding) return;
      this.folding = true;
      // A tick later, so that what the same turn of the event loop hands over joins this fold.
      setImmediate(() => void this.drain());
    });
    if (recordId !== undefined) {
      this.held.set(recordId, folded);
      void folded.then(() => this.held.delete(recordId));
    }
    return folded;
  }

  /**
   * Folds the records stored before `before` (left by a process that did not fold them, or
   * still being folded by this one); returns how many.
   */
  async foldStale(before: Date): Promise<number> {
    let folded = 0;
    for (;;) {
      const stale = await this.records
        .find({ receivedAt: { $lt: before } })
        .sort({ receivedAt: 1 })
        .limit(SWEEP_PAGE)
        .toArray();
      if (stale.length === 0) return folded;
      const results = await Promise.all(
        stale.map((r) => this.fold({ recordId: r._id, events: r.events, entityEvents: r.entityEvents ?? [] })),
      );
      if (results.includes(false)) throw new Error('folding the event history outbox failed');
      folded += stale.length;
      if (stale.length < SWEEP_PAGE) return folded;
    }
  }

  private async drain(): Promise<void> {
    for (let taken = this.queue.splice(0); taken.length > 0; taken = this.queue.splice(0)) {
      const folded = await this.append(taken.map((q) => q.pending)).then(
        () => true,
        (err) => {
          this.logger.warn(
            { err, requests: taken.length },
            'appending to event histories or day logs failed; the sweep retries',
          );
          return false;
        },
      );
      if (folded) await this.forget(taken.flatMap((q) => q.pending.recordId ?? []));
      for (const q of taken) q.done(folded);
    }
    // Set in the same turn as the empty queue was seen, so a later fold() starts a new drain.
    this.folding = false;
  }

  /** Into users' histories and today's day log at once: one append each for everything taken. */
  private async append(pending: PendingHistory[]): Promise<void> {
    const events = pending.flatMap((p) => p.events);
    const logged = events.map(({ id, userId, timestamp }): DayItem => ({ id, userId, at: timestamp }));
    await Promise.all([
      this.history.appendAll(events),
      this.days.record([...logged, ...pending.flatMap((p) => p.entityEvents)]),
    ]);
  }

  private async forget(recordIds: string[]): Promise<void> {
    if (recordIds.length === 0) return;
    await this.records.deleteMany({ _id: { $in: recordIds } }).catch((err) => {
      this.logger.warn({ err }, 'folded event history records were not deleted; the sweep folds them again');
    });
  }
}

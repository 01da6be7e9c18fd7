import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Logger } from '../logger';
import type { EventHistory, UserHistoryEvent } from './event-history';

/**
 * Users' histories (event-history.ts) are appended off the request path. Appending reads each
 * user's last entry and writes a new one; done inside an event post it made single posts 3 ×
 * slower and batches of new users miss the gateway's database deadline. So a post writes its
 * user events as ONE record here (one insert, no reads) and, once answered, hands them to this
 * process's folder, which appends everything handed to it since its last fold at once (a group
 * commit: a user posting in many requests costs one append per fold, not per request), then
 * deletes the folded records. Records a process left behind (it died after answering, or a
 * fold failed) are folded by the gateway's outbox sweep. Folding a record twice is harmless:
 * history readers count each event id once.
 *
 * The collection holds only records not yet folded (normally those of the last fraction of a
 * second), so the sweep's query on `receivedAt` and the deletion by a list of ids, which
 * FerretDB on SQLite serves by reading the whole collection, read a few documents.
 */

interface OutboxRecord {
  _id: string;
  receivedAt: Date;
  events: UserHistoryEvent[];
}

/** Events waiting for their fold: with the outbox record that holds them, if any. */
export interface PendingHistory {
  recordId?: string;
  events: UserHistoryEvent[];
}

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
    private readonly logger: Logger,
  ) {}

  private get records() {
    return this.connection.collection<OutboxRecord>('history_outbox');
  }

  /** Stores the user events of one request as one record; nothing when there are none. */
  async record(events: UserHistoryEvent[], receivedAt: Date): Promise<PendingHistory> {
    if (events.length === 0) return { events };
    const recordId = randomUUID();
    await this.records.insertOne({ _id: recordId, receivedAt, events });
    return { recordId, events };
  }

  /**
   * Queues events for the next fold; true once they are in their users' histories, false when
   * the fold failed (an outbox record is then folded by the sweep). Never rejects. A record
   * this process is folding already is not queued again: its fold is returned.
   */
  fold(pending: PendingHistory): Promise<boolean> {
    if (pending.events.length === 0) return Promise.resolve(true);
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
      const results = await Promise.all(stale.map((r) => this.fold({ recordId: r._id, events: r.events })));
      if (results.includes(false)) throw new Error('folding the event history outbox failed');
      folded += stale.length;
      if (stale.length < SWEEP_PAGE) return folded;
    }
  }

  private async drain(): Promise<void> {
    for (let taken = this.queue.splice(0); taken.length > 0; taken = this.queue.splice(0)) {
      const folded = await this.history.appendAll(taken.flatMap((q) => q.pending.events)).then(
        () => true,
        (err) => {
          this.logger.warn({ err, requests: taken.length }, 'appending to event histories failed; the sweep retries');
          return false;
        },
      );
      if (folded) await this.forget(taken.flatMap((q) => q.pending.recordId ?? []));
      for (const q of taken) q.done(folded);
    }
    // Set in the same turn as the empty queue was seen, so a later fold() starts a new drain.
    this.folding = false;
  }

  private async forget(recordIds: string[]): Promise<void> {
    if (recordIds.length === 0) return;
    await this.records.deleteMany({ _id: { $in: recordIds } }).catch((err) => {
      this.logger.warn({ err }, 'folded event history records were not deleted; the sweep folds them again');
    });
  }
}

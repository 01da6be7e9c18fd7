import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Logger } from '../logger';
import type { DayItem, EventDays } from './event-days';
import { SharedInserts } from './shared-commands';
import { GroupCommit } from './group-commit';
import { userHistoryEvents, type EventHistory, type UserHistoryEvent } from './event-history';

/**
 * Users' histories (event-history.ts) and the day logs the retention purge reads
 * (event-days.ts) are appended off the request path. Appending reads each
 * user's last entry and writes a new one; done inside an event post it made single posts 3 ×
 * slower and batches of new users miss the gateway's database deadline. So a post hands its
 * events, once answered, to this process's folder, which appends everything handed to it since
 * its last fold at once (a group commit: a user posting in many requests costs one append per
 * fold, not per request).
 *
 * What a fold owes is kept in the database until it is done, in one of two places. An event
 * that owes routes has its copy in `event_outbox` already (events.ts), which means "fold this
 * event, then route it": that copy stands for its fold, and goes once it is routed. The
 * request's other events (user events for their histories and day logs, entity events for their
 * day log) go into ONE record here (one insert, no reads; none when there are no such events),
 * deleted once folded.
 * Records and copies a process left behind (it died after answering, or a fold failed) are
 * folded by the gateway's outbox sweep, the copies just before it routes them. Folding an event
 * twice is harmless: history readers count each event id once, and the purge each deleted event.
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

/** What a fold writes: user events into their histories and day logs, entity events into their day log. */
export interface HistoryItems {
  events: UserHistoryEvent[];
  entityEvents: DayItem[];
}

/** Events waiting for their fold, with where the database keeps them until it is done. */
export interface PendingHistory extends HistoryItems {
  /** Records here holding (some of) them, deleted once folded. */
  recordIds: string[];
  /** Those whose `event_outbox` copies stand for their fold (events.ts), deleted once routed. */
  outboxed: string[];
}

type FoldableEvent = Parameters<typeof userHistoryEvents>[0][number];

/** What a fold of these stored events has to write. */
export function pendingOf(events: FoldableEvent[]): HistoryItems {
  return {
    events: userHistoryEvents(events),
    entityEvents: events.flatMap((e) => (e.userId === undefined ? [{ id: e._id, at: e.timestamp }] : [])),
  };
}

const isEmpty = (items: HistoryItems) => items.events.length === 0 && items.entityEvents.length === 0;

/**
 * A fold's progress: `histories` once the events are in their users' histories (what routing
 * waits for: a journey's audience check counts the event that started it), `done` once in the
 * day logs too, and what the database kept for them is dropped (false when either failed: the
 * sweep folds them again). Neither rejects.
 */
export interface FoldProgress {
  histories: Promise<boolean>;
  done: Promise<boolean>;
}

interface Queued {
  pending: PendingHistory;
  /** How long its day log entries may wait to be written with later folds' (a group commit). */
  dayPatienceMs: number;
  histories: (appended: boolean) => void;
  done: (folded: boolean) => void;
}

const dayItemsOf = (pending: PendingHistory): DayItem[] => [
  ...pending.events.map(({ id, userId, timestamp }): DayItem => ({ id, userId, at: timestamp })),
  ...pending.entityEvents,
];

/** Records the sweep folds per round. */
const SWEEP_PAGE = 500;

export class HistoryOutbox {
  private queue: Queued[] = [];
  private folding = false;
  /**
   * The folds of the records and outboxed events this process holds, by id: when folds lag
   * behind the sweep's interval (a loaded database), the sweep waits for them instead of
   * folding them again.
   */
  private readonly heldRecords = new Map<string, Promise<boolean>>();
  private readonly heldEvents = new Map<string, Promise<boolean>>();
  /** Today's day log entries of folds close in time, written together (group-commit.ts). */
  private readonly dayLogs = new GroupCommit<DayItem[], void>(async (items) => {
    await this.days.record(items.flat());
    return { results: Promise.resolve(items.map(() => undefined)) };
  });

  /** Concurrent requests' records, inserted in one command. */
  private readonly newRecords = new SharedInserts<OutboxRecord>((records) =>
    this.records.insertMany(records, { ordered: false }),
  );

  constructor(
    private readonly connection: Connection,
    private readonly history: EventHistory,
    private readonly days: EventDays,
    private readonly logger: Logger,
  ) {}

  private get records() {
    return this.connection.collection<OutboxRecord>('history_outbox');
  }

  /** Stores what events owe as one record and returns its id; nothing when they owe nothing. */
  async record(items: HistoryItems, receivedAt: Date): Promise<string | undefined> {
    if (isEmpty(items)) return undefined;
    const recordId = randomUUID();
    await this.newRecords.insert([{ _id: recordId, receivedAt, ...items }]);
    return recordId;
  }

  /**
   * Queues events for the next fold; true once they are in their users' histories and day
   * logs, false when the fold failed (what the database keeps for them is then folded by the
   * sweep). Never rejects.
   */
  fold(pending: PendingHistory): Promise<boolean> {
    return this.foldInStages(pending, 0).done;
  }

  /** As fold, telling apart the histories (at once) and the day logs (within `dayPatienceMs`). */
  foldInStages(pending: PendingHistory, dayPatienceMs: number): FoldProgress {
    if (isEmpty(pending)) return { histories: Promise.resolve(true), done: Promise.resolve(true) };
    let histories!: (appended: boolean) => void;
    const appended = new Promise<boolean>((resolve) => (histories = resolve));
    const folded = new Promise<boolean>((done) => {
      this.queue.push({ pending, dayPatienceMs, histories, done });
      if (this.folding) return;
      this.folding = true;
      // A tick later, so that what the same turn of the event loop hands over joins this fold.
      setImmediate(() => void this.drain());
    });
    hold(this.heldRecords, pending.recordIds, folded);
    hold(this.heldEvents, pending.outboxed, folded);
    return { histories: appended, done: folded };
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
        stale.map(
          (r) =>
            this.heldRecords.get(r._id) ??
            this.fold({ recordIds: [r._id], outboxed: [], events: r.events, entityEvents: r.entityEvents ?? [] }),
        ),
      );
      if (results.includes(false)) throw new Error('folding the event history outbox failed');
      folded += stale.length;
      if (stale.length < SWEEP_PAGE) return folded;
    }
  }

  /**
   * Folds events whose `event_outbox` copies outlived the fold meant for them (their process
   * died, or the fold or their routing failed); true once done. Those this process is folding
   * still are waited for instead.
   */
  async foldOutboxed(events: FoldableEvent[]): Promise<boolean> {
    const held = events.flatMap((e) => this.heldEvents.get(e._id) ?? []);
    const rest = events.filter((e) => !this.heldEvents.has(e._id));
    const pending = { recordIds: [], outboxed: rest.map((e) => e._id), ...pendingOf(rest) };
    const results = await Promise.all([...held, this.fold(pending)]);
    return !results.includes(false);
  }

  /**
   * Appends to the users' histories everything taken at once; the next fold need not wait for
   * the day logs, which join a group commit (written at once when nothing may wait, beside the
   * histories) and, once written, let the records go. An event logged twice is harmless.
   */
  private async drain(): Promise<void> {
    for (let taken = this.queue.splice(0); taken.length > 0; taken = this.queue.splice(0)) {
      const failed = (err: unknown) => {
        this.logger.warn(
          { err, requests: taken.length },
          'appending to event histories or day logs failed; the sweep retries',
        );
        return false;
      };
      const patience = Math.min(...taken.map((q) => q.dayPatienceMs));
      const logged = this.dayLogs
        .add(
          taken.flatMap((q) => dayItemsOf(q.pending)),
          patience,
        )
        .then(() => true, failed);
      const appended = await this.history.appendAll(taken.flatMap((q) => q.pending.events)).then(() => true, failed);
      for (const q of taken) q.histories(appended);
      void logged.then(async (inDayLogs) => {
        const folded = appended && inDayLogs;
        if (folded) await this.forget(taken.flatMap((q) => q.pending.recordIds));
        for (const q of taken) q.done(folded);
      });
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

/** Keeps `folded` under each id until it settles (a later fold of the same id may take over). */
function hold(held: Map<string, Promise<boolean>>, ids: string[], folded: Promise<boolean>): void {
  for (const id of ids) held.set(id, folded);
  void folded.then(() => {
    for (const id of ids) if (held.get(id) === folded) held.delete(id);
  });
}

import { Schema, type Connection, type Model } from 'mongoose';
import type { HistoryEvent } from '../domain/behaviour';
import type { EventDays } from './event-days';
import type { EventHistory } from './event-history';
import { EventRetention } from './event-retention';
import { sharedInsertsInto, type SharedInserts } from './shared-commands';
import { pendingOf, type FoldProgress, type HistoryOutbox, type PendingHistory } from './history-outbox';
import type { PropertyCatalog } from './property-catalog';
import { decodeRecord, encodeRecord } from './stored-value';

/**
 * start: the event triggers the campaign's journey (started, or signalled when running); signal: it only concerns
 * a running one (exitOn, waitForEvent); fanOut: an entity event enters the campaign's audience.
 */
export interface PendingRoute {
  campaignId: string;
  kind: 'start' | 'signal' | 'fanOut';
}

export interface EventRecord {
  _id: string;
  /** Absent on an entity event. */
  userId?: string;
  name: string;
  // Validated by the event schema before it gets here.
  properties: Record<string, unknown>;
  timestamp: Date;
  receivedAt: Date;
  /**
   * The outbox: campaigns this event must still start or signal a journey in. Set when the
   * event is stored, so an accepted event is routed even if Temporal is down at that moment;
   * removed once every route was handed to Temporal.
   */
  pendingRoutes?: PendingRoute[];
  /** On an outbox copy the sweep folded into its user's history: it is not folded again. */
  folded?: boolean;
  /** Set on system events written by workers: the gateway's sweep matches them against campaigns. */
  pendingMatch?: boolean;
  depth?: number;
}

const eventSchema = new Schema<EventRecord>(
  {
    _id: { type: String, required: true },
    userId: String,
    name: { type: String, required: true },
    properties: { type: Schema.Types.Mixed, default: {} },
    timestamp: { type: Date, required: true },
    receivedAt: { type: Date, required: true },
    pendingRoutes: { type: [{ campaignId: String, kind: String, _id: false }], default: undefined },
    pendingMatch: Boolean,
    depth: Number,
  },
  { versionKey: false, minimize: false },
);
// The outbox holds copies of owing events; the sweep's queries are served there.
const outboxSchema = eventSchema.clone();
outboxSchema.add({ folded: Boolean });
outboxSchema.index({ pendingRoutes: 1, receivedAt: 1 });
outboxSchema.index({ pendingMatch: 1, receivedAt: 1 });
// No index but _id: what concerns one user is read from its history, the retention purge reads
// the day logs (event-days.ts), and the studio's listings the property catalog.

const INDEX_NOT_FOUND = 27;
const NAMESPACE_NOT_FOUND = 26;
/** Events handled per round of the start-up migrations. */
const MIGRATION_BATCH = 20_000;

/**
 * What insertNew stored; `fold` appends the events to their users' histories and day logs (true
 * once done); `foldInStages` tells the histories apart, the day logs waiting up to `dayPatienceMs`.
 */
export interface StoredEvents {
  inserted: EventRecord[];
  duplicates: number;
  fold: () => Promise<boolean>;
  foldInStages: (dayPatienceMs: number) => FoldProgress;
}

function minReceivedAt(events: EventRecord[]): Date {
  return new Date(Math.min(...events.map((e) => e.receivedAt.getTime())));
}

export class EventRepository {
  private readonly model: Model<EventRecord>;
  /**
   * Copies of the events that still owe routes or a match, so the outbox sweep reads a few
   * documents instead of every event: FerretDB answers a query on any field but _id by
   * scanning the collection (7 s for 6,000 events in the benchmark, every sweep). A copy owing
   * routes also stands for its event's fold into its user's history (history-outbox.ts): the
   * event is folded, then routed, then its copy deleted.
   */
  private readonly outbox: Model<EventRecord>;
  /** Concurrent requests' events, and their outbox entries, each inserted in one command. */
  private readonly newEvents: SharedInserts<EventRecord>;
  private readonly newOutboxEntries: SharedInserts<EventRecord>;
  private readonly retention: EventRetention;

  constructor(
    connection: Connection,
    /** Each user's events, where everything about one user is read (event-history.ts). */
    private readonly history: EventHistory,
    /** Where a request's events wait for their histories and day logs (history-outbox.ts). */
    private readonly histories: HistoryOutbox,
    /** Where the studio finds the property names each event name carries. */
    private readonly catalog: PropertyCatalog,
    /** Which events exist per day, for the retention purge (event-days.ts). */
    private readonly days: EventDays,
  ) {
    this.model = connection.model<EventRecord>('Event', eventSchema, 'events');
    this.outbox = connection.model<EventRecord>('EventOutbox', outboxSchema, 'event_outbox');
    this.newEvents = sharedInsertsInto(this.model);
    this.newOutboxEntries = sharedInsertsInto(this.outbox);
    this.retention = new EventRetention(
      connection,
      days,
      history,
      async (id) => (await this.model.deleteOne({ _id: id })).deletedCount,
    );
  }

  /**
   * Stores new events; an id stored before is reported as a duplicate and left unchanged. Their
   * users' histories get them through the history outbox: call `fold` once the request is
   * answered (until then, or if it is never called, the outbox sweep folds them). An event
   * owing routes needs no history record: its outbox entry stands for its fold.
   */
  async insertNew(events: EventRecord[]): Promise<StoredEvents> {
    const unrouted = events.filter((e) => !e.pendingRoutes);
    return this.store(events, () => this.histories.record(pendingOf(unrouted), minReceivedAt(events)));
  }

  /**
   * Writes the events and, beside them, the history record of those their outbox entries do
   * not stand for (`recordHistory`). Their users' histories count each event id once, so a
   * repeat is folded too: a client retrying a post whose first try stored the events but not
   * the history record is covered.
   */
  private async store(events: EventRecord[], recordHistory: () => Promise<string | undefined>): Promise<StoredEvents> {
    const owing = events.filter((e) => e.pendingRoutes || e.pendingMatch);
    // The outbox entry goes first: an event stored without one would never be swept.
    const alreadyOwing =
      owing.length > 0 ? await this.newOutboxEntries.insert(owing.map(encodeRecord)) : new Set<number>();
    // The stored event itself is never updated afterwards: what it still owes lives in the outbox.
    const [failed, recordId] = await Promise.all([
      this.newEvents.insert(events.map(({ pendingRoutes, pendingMatch, ...stored }) => encodeRecord(stored))),
      recordHistory(),
      this.catalog.noteEvents(events),
    ]);
    const inserted = events.filter((_, i) => !failed.has(i));
    const repeats = new Set(events.filter((_, i) => failed.has(i)).map((e) => e._id));
    const dropped = await this.dropRepeats(owing.filter((e, i) => !alreadyOwing.has(i) && repeats.has(e._id)));
    const pending: PendingHistory = {
      recordIds: [recordId, dropped].flatMap((id) => id ?? []),
      outboxed: events.flatMap((e) => (e.pendingRoutes ? [e._id] : [])),
      ...pendingOf(events),
    };
    return {
      inserted,
      duplicates: failed.size,
      fold: () => this.histories.fold(pending),
      foldInStages: (dayPatienceMs) => this.histories.foldInStages(pending, dayPatienceMs),
    };
  }

  /**
   * A repeated event owes nothing: drops the outbox entries this call added for repeats. Each
   * stood for its event's fold, which an earlier try may not have made durable, so a history
   * record takes over first; returns its id.
   */
  private async dropRepeats(added: EventRecord[]): Promise<string | undefined> {
    if (added.length === 0) return undefined;
    const recordId = await this.histories.record(pendingOf(added), minReceivedAt(added));
    for (const e of added) await this.outbox.deleteOne({ _id: e._id });
    return recordId;
  }

  /** Folds history records left behind by a process that stored them (see history-outbox.ts). */
  async foldStaleHistory(before: Date): Promise<number> {
    return this.histories.foldStale(before);
  }

  /**
   * Folds outbox entries the sweep is about to route into their users' histories, once: their
   * gateway died before its fold, or the fold or the routing failed. The entries are marked,
   * so routes retried through a long Temporal outage do not append their events at every sweep.
   */
  async foldLeftInOutbox(records: EventRecord[]): Promise<void> {
    const unfolded = records.filter((r) => !r.folded);
    if (unfolded.length === 0) return;
    if (!(await this.histories.foldOutboxed(unfolded))) throw new Error('folding events left in the outbox failed');
    await this.outbox.updateMany({ _id: { $in: unfolded.map((r) => r._id) } }, { $set: { folded: true } });
  }

  async findPendingRoutes(receivedBefore: Date, limit: number): Promise<EventRecord[]> {
    return (
      await this.outbox
        .find({ pendingRoutes: { $exists: true }, receivedAt: { $lt: receivedBefore } })
        .sort({ receivedAt: 1 })
        .limit(limit)
        .lean<EventRecord[]>()
    ).map(decodeRecord);
  }

  /**
   * System events from a worker, written together; their ids are deterministic, so a retried
   * activity stores each once. `fresh`: per event, true when it was new. `heard`: the names some
   * campaign may react to; those go through the outbox for the gateway to match. `fold` resolves
   * once they are in their users' histories.
   */
  async storeSystemEvents(
    events: Array<Omit<EventRecord, 'receivedAt' | 'pendingMatch'>>,
    heard: ReadonlySet<string>,
  ): Promise<{ fresh: boolean[]; fold: () => Promise<boolean> }> {
    const receivedAt = new Date();
    const records = events.map((e) => ({ ...e, receivedAt, ...(heard.has(e.name) && { pendingMatch: true }) }));
    // No history outbox record: a worker that dies before the fold runs the activity again.
    const { inserted, fold } = await this.store(records, async () => undefined);
    const stored = new Set(inserted);
    return { fresh: records.map((r) => stored.has(r)), fold };
  }

  async findPendingMatch(limit: number): Promise<EventRecord[]> {
    return (
      await this.outbox.find({ pendingMatch: true }).sort({ receivedAt: 1 }).limit(limit).lean<EventRecord[]>()
    ).map(decodeRecord);
  }

  /** Records which campaigns a system event concerns; it then waits in the outbox like any event. */
  async setRoutes(id: string, routes: PendingRoute[]): Promise<void> {
    if (routes.length > 0)
      await this.outbox.updateOne({ _id: id }, { $set: { pendingRoutes: routes }, $unset: { pendingMatch: 1 } });
    else await this.outbox.deleteOne({ _id: id });
  }

  /** Drops the outbox entries of routed events. */
  async markRouted(ids: string[]): Promise<void> {
    await this.outbox.deleteMany({ _id: { $in: ids } });
  }

  /** When the oldest event still waiting in the outbox (to be matched or routed) arrived. */
  async oldestUnrouted(): Promise<Date | undefined> {
    const [routes, match] = await Promise.all([
      this.outbox
        .findOne({ pendingRoutes: { $exists: true } }, { receivedAt: 1 })
        .sort({ receivedAt: 1 })
        .lean<Pick<EventRecord, 'receivedAt'>>(),
      this.outbox
        .findOne({ pendingMatch: true }, { receivedAt: 1 })
        .sort({ receivedAt: 1 })
        .lean<Pick<EventRecord, 'receivedAt'>>(),
    ]);
    const times = [routes?.receivedAt, match?.receivedAt].filter((t): t is Date => t instanceof Date);
    return times.length === 0 ? undefined : new Date(Math.min(...times.map((t) => t.getTime())));
  }

  /** A user's latest events, latest first. */
  async recentForUser(userId: string, limit: number): Promise<HistoryEvent[]> {
    return this.history.recent(userId, limit);
  }

  /**
   * Deletes events that happened before `before`, from their users' histories too; returns how
   * many. Reads the day logs, never `events` (event-retention.ts). `now` decides which days
   * are over.
   */
  async purgeOlderThan(before: Date, now = new Date()): Promise<number> {
    return this.retention.purge(before, now);
  }

  /**
   * Copies events stored before users had histories into them, once (a marker records it);
   * every process may run it on start, as a repeat is counted once. Reads the collection once.
   */
  async migrateToHistory(): Promise<number> {
    if (await this.history.migrated()) return 0;
    const copied = await this.eachBatch({ pendingRoutes: 0, pendingMatch: 0 }, (batch) =>
      this.history.append(batch.map((e) => decodeRecord(e))),
    );
    await this.history.markMigrated();
    return copied;
  }

  /**
   * Logs events stored before the day logs existed on the days of their timestamps, once (a
   * marker records it), and starts the purge's list of days with those days; every process may
   * run it on start, as the purge counts an event logged twice once. Reads the collection once.
   */
  async migrateToDays(): Promise<number> {
    if (await this.days.migrated()) return 0;
    const now = new Date();
    const logged = new Set<string>();
    const count = await this.eachBatch({ userId: 1, timestamp: 1 }, async (batch) => {
      // A document without a valid timestamp (not Hookway's) is left alone, as the search by timestamp did.
      const items = batch
        .filter((e) => e.timestamp instanceof Date && !isNaN(e.timestamp.getTime()))
        .map((e) => ({
          id: e._id,
          at: e.timestamp,
          ...(typeof e.userId === 'string' && { userId: e.userId }),
        }));
      for (const day of await this.days.recordByTimestamp(items)) logged.add(day);
    });
    await this.retention.begin([...logged], now);
    await this.days.markMigrated();
    return count;
  }

  /**
   * Drops the `{ timestamp: 1 }` index of earlier versions, which served the purge's search on
   * MongoDB: nothing reads by timestamp any more, and every insert paid for it.
   */
  async dropTimestampIndex(): Promise<void> {
    await this.model.collection.dropIndex('timestamp_1').catch((err: { code?: number }) => {
      // Dropped already (by another process too), or no collection yet.
      if (err.code !== INDEX_NOT_FOUND && err.code !== NAMESPACE_NOT_FOUND) throw err;
    });
  }

  /** Reads every stored event once, handing them over in rounds; returns how many. */
  private async eachBatch(
    projection: Record<string, 0 | 1>,
    work: (batch: EventRecord[]) => Promise<void>,
  ): Promise<number> {
    let count = 0;
    let batch: EventRecord[] = [];
    const flush = async () => {
      await work(batch);
      count += batch.length;
      batch = [];
    };
    for await (const event of this.model.find({}, projection).lean<EventRecord>().cursor({ batchSize: 1_000 })) {
      batch.push(event as EventRecord);
      if (batch.length >= MIGRATION_BATCH) await flush();
    }
    await flush();
    return count;
  }

  async get(id: string): Promise<EventRecord | null> {
    return decodeRecord(await this.model.findById(id).lean<EventRecord>());
  }

  /** The property names events of one name carry, sorted, for listing what templates can use. */
  propertyNames(name: string): Promise<string[]> {
    return this.catalog.eventNames(name);
  }
}

import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from './connection';

/**
 * start: the event triggers the campaign's journey (signalWithStart); signal: it only concerns
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
outboxSchema.index({ pendingRoutes: 1, receivedAt: 1 });
outboxSchema.index({ pendingMatch: 1, receivedAt: 1 });
eventSchema.index({ userId: 1, name: 1, timestamp: -1 });
// A user's recent events (GET /v1/users/:id) and the retention purge by age.
eventSchema.index({ userId: 1, timestamp: -1 });
eventSchema.index({ timestamp: 1 });

/** insertMany that reports which documents were already stored (by index) instead of failing. */
async function insertReportingDuplicates<T>(model: Model<T>, docs: T[]): Promise<Set<number>> {
  try {
    await model.insertMany(docs, { ordered: false, lean: true });
    return new Set();
  } catch (err) {
    const writeErrors = (err as { writeErrors?: Array<{ index: number; err?: { code?: number }; code?: number }> }).writeErrors;
    if (!writeErrors || writeErrors.length === 0) throw err;
    const failed = new Set<number>();
    for (const writeError of writeErrors) {
      if (!isDuplicateKey(writeError) && !isDuplicateKey(writeError.err)) throw err;
      failed.add(writeError.index);
    }
    return failed;
  }
}

export class EventRepository {
  private readonly model: Model<EventRecord>;
  /**
   * Copies of the events that still owe routes or a match, so the outbox sweep reads a few
   * documents instead of every event: FerretDB answers a query on any field but _id by
   * scanning the collection (7 s for 6,000 events in the benchmark, every sweep).
   */
  private readonly outbox: Model<EventRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<EventRecord>('Event', eventSchema, 'events');
    this.outbox = connection.model<EventRecord>('EventOutbox', outboxSchema, 'event_outbox');
  }

  /** Stores new events; an id stored before is reported as a duplicate and left unchanged. */
  async insertNew(events: EventRecord[]): Promise<{ inserted: EventRecord[]; duplicates: number }> {
    const owing = events.filter((e) => e.pendingRoutes || e.pendingMatch);
    // The outbox entry goes first: an event stored without one would never be swept.
    const alreadyOwing = owing.length > 0 ? await insertReportingDuplicates(this.outbox, owing) : new Set<number>();
    // The stored event itself is never updated afterwards: what it still owes lives in the outbox.
    const failed = await insertReportingDuplicates(this.model, events.map(({ pendingRoutes, pendingMatch, ...stored }) => stored));
    const inserted = events.filter((_, i) => !failed.has(i));
    // A repeated event owes nothing: drop the entries this call added for repeats.
    const repeats = new Set(events.filter((_, i) => failed.has(i)).map((e) => e._id));
    const added = owing.filter((e, i) => !alreadyOwing.has(i) && repeats.has(e._id));
    for (const e of added) await this.outbox.deleteOne({ _id: e._id });
    return { inserted, duplicates: failed.size };
  }

  async findPendingRoutes(receivedBefore: Date, limit: number): Promise<EventRecord[]> {
    return this.outbox
      .find({ pendingRoutes: { $exists: true }, receivedAt: { $lt: receivedBefore } })
      .sort({ receivedAt: 1 })
      .limit(limit)
      .lean<EventRecord[]>();
  }

  /**
   * A system event from a worker; its id is deterministic, so a retried activity stores it
   * once. True when it was new. `route`: some campaign may react to it, so it goes through the
   * outbox for the gateway to match.
   */
  async insertSystemEvent(event: Omit<EventRecord, 'receivedAt' | 'pendingMatch'>, route: boolean): Promise<boolean> {
    const { inserted } = await this.insertNew([{ ...event, receivedAt: new Date(), ...(route && { pendingMatch: true }) }]);
    return inserted.length === 1;
  }

  async findPendingMatch(limit: number): Promise<EventRecord[]> {
    return this.outbox.find({ pendingMatch: true }).sort({ receivedAt: 1 }).limit(limit).lean<EventRecord[]>();
  }

  /** Records which campaigns a system event concerns; it then waits in the outbox like any event. */
  async setRoutes(id: string, routes: PendingRoute[]): Promise<void> {
    if (routes.length > 0) await this.outbox.updateOne({ _id: id }, { $set: { pendingRoutes: routes }, $unset: { pendingMatch: 1 } });
    else await this.outbox.deleteOne({ _id: id });
  }

  async markRouted(id: string): Promise<void> {
    await this.outbox.deleteOne({ _id: id });
  }

  /** When the oldest event still waiting in the outbox (to be matched or routed) arrived. */
  async oldestUnrouted(): Promise<Date | undefined> {
    const [routes, match] = await Promise.all([
      this.outbox.findOne({ pendingRoutes: { $exists: true } }, { receivedAt: 1 }).sort({ receivedAt: 1 }).lean<Pick<EventRecord, 'receivedAt'>>(),
      this.outbox.findOne({ pendingMatch: true }, { receivedAt: 1 }).sort({ receivedAt: 1 }).lean<Pick<EventRecord, 'receivedAt'>>(),
    ]);
    const times = [routes?.receivedAt, match?.receivedAt].filter((t): t is Date => t instanceof Date);
    return times.length === 0 ? undefined : new Date(Math.min(...times.map((t) => t.getTime())));
  }

  /** A user's latest events, without the routing bookkeeping. */
  async recentForUser(userId: string, limit: number): Promise<EventRecord[]> {
    return this.model
      .find({ userId: { $eq: userId } }, { pendingRoutes: 0, pendingMatch: 0 })
      .sort({ timestamp: -1 })
      .limit(limit)
      .lean<EventRecord[]>();
  }

  /** Deletes events that happened before `before`; returns how many. */
  async purgeOlderThan(before: Date): Promise<number> {
    return (await this.model.deleteMany({ timestamp: { $lt: before } })).deletedCount;
  }

  async get(id: string): Promise<EventRecord | null> {
    return this.model.findById(id).lean<EventRecord>();
  }

  /** The property names the latest events of one name carry, sorted, for listing what templates can use. */
  async propertyNames(name: string, sampled: number): Promise<string[]> {
    const docs = await this.model.find({ name: { $eq: name } }, { properties: 1 }).sort({ timestamp: -1 }).limit(sampled).lean<EventRecord[]>();
    return [...new Set(docs.flatMap((d) => Object.keys(d.properties ?? {})))].sort();
  }
}

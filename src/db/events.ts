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
eventSchema.index({ userId: 1, name: 1, timestamp: -1 });
// A user's recent events (GET /v1/users/:id) and the retention purge by age.
eventSchema.index({ userId: 1, timestamp: -1 });
eventSchema.index({ timestamp: 1 });
// Serves the outbox sweep; events that matched no campaign have no pendingRoutes field.
eventSchema.index({ pendingRoutes: 1, receivedAt: 1 });
eventSchema.index({ pendingMatch: 1, receivedAt: 1 });

export class EventRepository {
  private readonly model: Model<EventRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<EventRecord>('Event', eventSchema, 'events');
  }

  /** Stores new events; an id stored before is reported as a duplicate and left unchanged. */
  async insertNew(events: EventRecord[]): Promise<{ inserted: EventRecord[]; duplicates: number }> {
    try {
      await this.model.insertMany(events, { ordered: false, lean: true });
      return { inserted: events, duplicates: 0 };
    } catch (err) {
      const writeErrors = (err as { writeErrors?: Array<{ index: number; err?: { code?: number }; code?: number }> }).writeErrors;
      if (!writeErrors || writeErrors.length === 0) throw err;
      const failed = new Set<number>();
      for (const writeError of writeErrors) {
        if (!isDuplicateKey(writeError) && !isDuplicateKey(writeError.err)) throw err;
        failed.add(writeError.index);
      }
      return { inserted: events.filter((_, i) => !failed.has(i)), duplicates: failed.size };
    }
  }

  async findPendingRoutes(receivedBefore: Date, limit: number): Promise<EventRecord[]> {
    return this.model
      .find({ pendingRoutes: { $exists: true }, receivedAt: { $lt: receivedBefore } })
      .sort({ receivedAt: 1 })
      .limit(limit)
      .lean<EventRecord[]>();
  }

  /** A system event from a worker; its id is deterministic, so a retried activity stores it once. */
  async insertSystemEvent(event: Omit<EventRecord, 'receivedAt' | 'pendingMatch'>): Promise<void> {
    await this.insertNew([{ ...event, receivedAt: new Date(), pendingMatch: true }]);
  }

  async findPendingMatch(limit: number): Promise<EventRecord[]> {
    return this.model.find({ pendingMatch: true }).sort({ receivedAt: 1 }).limit(limit).lean<EventRecord[]>();
  }

  /** Records which campaigns a system event concerns; it then waits in the outbox like any event. */
  async setRoutes(id: string, routes: PendingRoute[]): Promise<void> {
    await this.model.updateOne({ _id: id }, { ...(routes.length > 0 && { $set: { pendingRoutes: routes } }), $unset: { pendingMatch: 1 } });
  }

  async markRouted(id: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $unset: { pendingRoutes: 1 } });
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
}

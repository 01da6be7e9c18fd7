import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';
import type { RenderedRequest } from '../domain/template';
import { sharedInsertOnce } from './shared-commands';

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryAttempt {
  attempt: number;
  at: Date;
  latencyMs: number;
  /** HTTP status, when the receiver answered. */
  status?: number;
  /** timeout, connection, address_refused, http, template, … when the attempt did not succeed. */
  errorClass?: string;
  error?: string;
  /** The first bytes of the receiver's answer. */
  responseExcerpt?: string;
}

/** One webhook of one journey step; its id is the `webhook-id` every attempt carries, redeliveries too. */
export interface DeliveryRecord {
  _id: string;
  journeyId: string;
  campaignId: string;
  userId: string;
  stepId: string;
  destinationId?: string;
  /** The campaign version of the journey that made it, for its stats; 0 when unknown. */
  campaignVersion?: number;
  /** Depth of the event behind the journey, for the system events this delivery emits. */
  chainDepth?: number;
  status: DeliveryStatus;
  /** The rendered request, kept so retries and redeliveries send exactly the same thing. Destination secrets are added at send time, never stored here. */
  request?: RenderedRequest;
  attempts: DeliveryAttempt[];
  /** Attempts before the latest redelivery; the retry schedule starts again after them. */
  retryBase: number;
  error?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryKey = Pick<DeliveryRecord, '_id' | 'journeyId' | 'campaignId' | 'userId' | 'stepId'>;

const attemptSchema = new Schema<DeliveryAttempt>(
  {
    attempt: Number,
    at: Date,
    latencyMs: Number,
    status: Number,
    errorClass: String,
    error: String,
    responseExcerpt: String,
  },
  { _id: false },
);

const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: { type: String, required: true },
    journeyId: { type: String, required: true },
    campaignId: { type: String, required: true },
    userId: { type: String, required: true },
    stepId: { type: String, required: true },
    destinationId: String,
    campaignVersion: Number,
    chainDepth: Number,
    status: { type: String, enum: DELIVERY_STATUSES, required: true },
    request: { type: Schema.Types.Mixed },
    attempts: { type: [attemptSchema], default: [] },
    retryBase: { type: Number, default: 0 },
    error: String,
  },
  { versionKey: false, minimize: false, timestamps: true },
);
deliverySchema.index({ campaignId: 1, createdAt: -1 });
deliverySchema.index({ userId: 1, createdAt: -1 });
deliverySchema.index({ status: 1, createdAt: -1 });
deliverySchema.index({ destinationId: 1, status: 1, createdAt: -1 });

export interface DeliveryFilter {
  campaignId?: string;
  destinationId?: string;
  userId?: string;
  status?: DeliveryStatus;
  since?: Date;
  until?: Date;
  limit: number;
}

/** An empty array set through an upsert is not always stored; it reads back as empty. */
function normalized(record: DeliveryRecord): DeliveryRecord {
  return { ...record, attempts: record.attempts ?? [], retryBase: record.retryBase ?? 0 };
}

/** Deliveries this process stored that no attempt has read yet, at most this many (the oldest go first). */
const REMEMBERED_PREPARED = 2_000;

const DELIVERIES = 'deliveries';

export class DeliveryRepository {
  private readonly model: Model<DeliveryRecord>;
  /**
   * The same collection through the driver, for the commands of every delivery (journeys.ts
   * says why). What the schema did for those implicitly is done here by hand: the timestamps,
   * and an attempt's undefined fields left out (its subschema dropped them), where those of the
   * request, which the schema left alone (Mixed), are still stored as null.
   */
  private readonly records: Collection<DeliveryRecord>;
  /** Concurrent journeys' new deliveries, inserted in one command (shared-commands.ts). */
  private readonly insertRecord: ReturnType<typeof sharedInsertOnce<DeliveryRecord>>;
  /** What prepare() stored, kept for the journey's first attempt, which would read it back (see forFirstAttempt). */
  private readonly prepared = new Map<string, DeliveryRecord>();
  /** Deliveries prepared to be inserted with their first attempt (see prepare), not stored yet. */
  private readonly unsaved = new Map<string, DeliveryRecord>();

  constructor(connection: Connection) {
    this.model = connection.model<DeliveryRecord>('Delivery', deliverySchema, DELIVERIES);
    this.records = connection.collection<DeliveryRecord>(DELIVERIES);
    this.insertRecord = sharedInsertOnce(this.records);
  }

  /**
   * Stores the rendered request once; a repeated call (an activity retry) changes nothing. True
   * when it was stored now. `withFirstAttempt`: the caller makes the first attempt next, in the
   * same call, and has not tried before; the delivery is then inserted with that attempt's
   * outcome (one command instead of an insert and an update), or as it is by save() when the
   * call ends without one. A first attempt in flight is listed once it ends.
   */
  async prepare(
    key: DeliveryKey,
    campaignVersion: number,
    destinationId: string | undefined,
    chainDepth: number,
    request: RenderedRequest,
    withFirstAttempt = false,
  ): Promise<boolean> {
    const { _id, ...identity } = key;
    const record = {
      ...identity,
      campaignVersion,
      ...(destinationId && { destinationId }),
      chainDepth,
      request,
      status: 'pending' as const,
      attempts: [],
      retryBase: 0,
    };
    const stored = { _id, ...record, createdAt: new Date(), updatedAt: new Date() };
    if (withFirstAttempt) this.unsaved.set(_id, stored);
    // An insert, not an upsert with $setOnInsert: the same outcome, and FerretDB's slowest write avoided.
    else if (!(await this.insertRecord(stored))) return false;
    this.prepared.set(_id, stored);
    if (this.prepared.size > REMEMBERED_PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
    return true;
  }

  /**
   * The delivery for a journey's first attempt at it: as this process stored it, when it did,
   * without reading it back (nothing else changes a delivery before its first attempt: a
   * redelivery needs it failed, which only follows an attempt); otherwise read. Taken once.
   */
  async forFirstAttempt(id: string): Promise<DeliveryRecord | null> {
    const stored = this.prepared.get(id) ?? this.unsaved.get(id);
    if (!stored) return this.get(id);
    this.prepared.delete(id);
    return stored;
  }

  /** A request that could not even be prepared (template, destination) fails at once, with the reason as its only attempt. True when stored now. */
  async recordPrepareFailure(
    key: DeliveryKey,
    campaignVersion: number,
    errorClass: string,
    error: string,
  ): Promise<boolean> {
    const { _id, ...identity } = key;
    const attempt: DeliveryAttempt = { attempt: 1, at: new Date(), latencyMs: 0, errorClass, error };
    const stored = await this.model.updateOne(
      { _id },
      { $setOnInsert: { ...identity, campaignVersion, status: 'failed', error, attempts: [attempt], retryBase: 0 } },
      { upsert: true },
    );
    return stored.upsertedCount === 1;
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const record = await this.records.findOne({ _id: id });
    return record && normalized(record);
  }

  /**
   * Logs one attempt at `current` (as read by the attempt, which numbers itself after the
   * attempts before it) and returns how many attempts it made since its last redelivery.
   */
  async recordAttempt(
    current: DeliveryRecord,
    attempt: Omit<DeliveryAttempt, 'attempt'>,
    status: DeliveryStatus,
    error?: string,
  ): Promise<number> {
    this.prepared.delete(current._id);
    const numbered = { attempt: current.attempts.length + 1, ...attempt };
    const unsaved = this.unsaved.get(current._id);
    this.unsaved.delete(current._id);
    if (unsaved && (await this.insertWithFirstAttempt(unsaved, numbered, status, error))) return 1;
    const updated = await this.records.findOneAndUpdate(
      { _id: current._id },
      {
        $set: { status, ...(error && { error }), updatedAt: new Date() },
        $push: { attempts: numbered },
        ...(error ? {} : { $unset: { error: 1 as const } }),
      },
      { returnDocument: 'after', ignoreUndefined: true },
    );
    if (!updated) throw new Error(`delivery ${current._id} does not exist`);
    return updated.attempts.length - (updated.retryBase ?? 0);
  }

  /** A delivery prepare() left unsaved, inserted with its first attempt; false when it was stored meanwhile. */
  private insertWithFirstAttempt(
    unsaved: DeliveryRecord,
    attempt: DeliveryAttempt,
    status: DeliveryStatus,
    error: string | undefined,
  ): Promise<boolean> {
    const defined = Object.fromEntries(Object.entries(attempt).filter(([, v]) => v !== undefined)) as DeliveryAttempt;
    const record = { ...unsaved, status, attempts: [defined], ...(error && { error }), updatedAt: new Date() };
    return this.insertRecord(record);
  }

  /** Stores a delivery prepare() left unsaved whose call ended without an attempt (held by a limit, or cancelled). */
  async save(id: string): Promise<void> {
    const unsaved = this.unsaved.get(id);
    if (!unsaved) return;
    await this.insertRecord(unsaved);
    this.unsaved.delete(id);
  }

  /**
   * Marks a delivery of generation `retryBase` failed for good; null when a redelivery has
   * since reopened it (a newer generation) or it succeeded.
   */
  async markFailed(id: string, retryBase: number, error: string): Promise<DeliveryRecord | null> {
    this.prepared.delete(id);
    const generation = retryBase === 0 ? { $in: [0, null] } : retryBase;
    const marked = await this.model.updateOne(
      { _id: id, retryBase: generation, status: { $ne: 'succeeded' } },
      { $set: { status: 'failed', error } },
    );
    return marked.matchedCount === 1 ? this.get(id) : null;
  }

  /** Puts a failed delivery back to pending with a fresh retry schedule; false if it was not failed. */
  async reopen(id: string): Promise<DeliveryRecord | null> {
    const current = await this.get(id);
    if (!current || current.status !== 'failed' || !current.request) return null;
    const reopened = await this.model.updateOne(
      { _id: id, status: 'failed' },
      { $set: { status: 'pending', retryBase: current.attempts.length }, $unset: { error: 1 } },
    );
    return reopened.modifiedCount === 1 ? { ...current, status: 'pending', retryBase: current.attempts.length } : null;
  }

  async list(filter: DeliveryFilter): Promise<DeliveryRecord[]> {
    const query: Record<string, unknown> = {};
    if (filter.campaignId) query.campaignId = filter.campaignId;
    if (filter.destinationId) query.destinationId = filter.destinationId;
    if (filter.userId) query.userId = filter.userId;
    if (filter.status) query.status = filter.status;
    if (filter.since || filter.until) {
      query.createdAt = { ...(filter.since && { $gte: filter.since }), ...(filter.until && { $lt: filter.until }) };
    }
    return (await this.model.find(query).sort({ createdAt: -1 }).limit(filter.limit).lean<DeliveryRecord[]>()).map(
      normalized,
    );
  }
}

import { Schema, type Connection, type Model } from 'mongoose';

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryAttempt {
  attempt: number;
  at: Date;
  latencyMs: number;
  /** HTTP status, when the receiver answered. */
  status?: number;
  /** What went wrong, when the attempt did not succeed. */
  error?: string;
  /** The first bytes of the receiver's answer. */
  responseExcerpt?: string;
}

/** One webhook of one journey step; its id is the `webhook-id` every attempt carries. */
export interface DeliveryRecord {
  _id: string;
  journeyId: string;
  campaignId: string;
  userId: string;
  stepId: string;
  status: DeliveryStatus;
  request?: { method: string; url: string };
  attempts: DeliveryAttempt[];
  error?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryKey = Pick<DeliveryRecord, '_id' | 'journeyId' | 'campaignId' | 'userId' | 'stepId'>;

const attemptSchema = new Schema<DeliveryAttempt>(
  { attempt: Number, at: Date, latencyMs: Number, status: Number, error: String, responseExcerpt: String },
  { _id: false },
);

const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: { type: String, required: true },
    journeyId: { type: String, required: true },
    campaignId: { type: String, required: true },
    userId: { type: String, required: true },
    stepId: { type: String, required: true },
    status: { type: String, enum: DELIVERY_STATUSES, required: true },
    request: { method: String, url: String },
    attempts: { type: [attemptSchema], default: [] },
    error: String,
  },
  { versionKey: false, timestamps: true },
);
deliverySchema.index({ campaignId: 1, createdAt: -1 });
deliverySchema.index({ userId: 1, createdAt: -1 });
deliverySchema.index({ status: 1, createdAt: -1 });

export interface DeliveryFilter {
  campaignId?: string;
  userId?: string;
  status?: DeliveryStatus;
  limit: number;
}

export class DeliveryRepository {
  private readonly model: Model<DeliveryRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<DeliveryRecord>('Delivery', deliverySchema, 'deliveries');
  }

  async recordAttempt(
    key: DeliveryKey,
    request: DeliveryRecord['request'],
    attempt: DeliveryAttempt,
    status: DeliveryStatus,
    error?: string,
  ): Promise<void> {
    const { _id, ...identity } = key;
    await this.model.updateOne(
      { _id },
      {
        $setOnInsert: identity,
        $set: { status, ...(request && { request }), ...(error ? { error } : {}) },
        $push: { attempts: attempt },
        ...(error ? {} : { $unset: { error: 1 } }),
      },
      { upsert: true },
    );
  }

  /** Marks a delivery failed for good, once its retries are exhausted. */
  async markFailed(key: DeliveryKey, error: string): Promise<void> {
    const { _id, ...identity } = key;
    await this.model.updateOne({ _id }, { $setOnInsert: identity, $set: { status: 'failed', error } }, { upsert: true });
  }

  async list(filter: DeliveryFilter): Promise<DeliveryRecord[]> {
    const query: Record<string, string> = {};
    if (filter.campaignId) query.campaignId = filter.campaignId;
    if (filter.userId) query.userId = filter.userId;
    if (filter.status) query.status = filter.status;
    return this.model.find(query).sort({ createdAt: -1 }).limit(filter.limit).lean<DeliveryRecord[]>();
  }
}

import { Schema, type Connection, type Model } from 'mongoose';
import { capVerdict, capWindowMs, type AppliedCap, type CapVerdict } from '../domain/caps';
import { isDuplicateKey } from './connection';

/**
 * The webhooks sent to each user, as one numbered log per user: entry n has the _id
 * "<n>:<userId>". A send is reserved by reading the log up to its last entry n, checking the
 * caps against it and inserting entry n+1. Only one insert of an _id succeeds, on FerretDB
 * (whose conditional updates are not atomic) as on MongoDB, so of two reservations decided on
 * the same log, one lands and the other reads again: every granted send was decided on a log
 * holding every earlier grant, and no two can pass a cap together. Denials write nothing.
 */
interface SendRecord {
  _id: string;
  userId: string;
  seq: number;
  /** The delivery's key: a retried reservation finds its entry instead of taking a second slot. */
  key: string;
  campaignId: string;
  tags: string[];
  /** Workflow time of the send, so windows follow the journey's clock. */
  at: Date;
  /** Set when the send finally failed: it gives its slot back. */
  released?: boolean;
}

const sendSchema = new Schema<SendRecord>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    seq: { type: Number, required: true },
    key: { type: String, required: true },
    campaignId: { type: String, required: true },
    tags: { type: [String], default: [] },
    at: { type: Date, required: true },
    released: Boolean,
  },
  { versionKey: false },
);
sendSchema.index({ userId: 1, seq: -1 });
sendSchema.index({ userId: 1, at: -1 });
sendSchema.index({ userId: 1, key: 1 });

/** Each lost race means another send landed, so a reservation retries about as often as sends compete. */
const MAX_TRIES = 200;

export interface SendRequest {
  userId: string;
  key: string;
  campaignId: string;
  tags: string[];
  caps: AppliedCap[];
  now: Date;
}

export class SendLog {
  private readonly model: Model<SendRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<SendRecord>('Send', sendSchema, 'sends');
  }

  /** Reserves a slot under every cap at once, or says which cap is full and when it frees. */
  async reserve(request: SendRequest): Promise<CapVerdict> {
    const { userId, key, now } = request;
    const horizon = Math.max(0, ...request.caps.map(capWindowMs));
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      // Read the last entry first: every entry up to it was written before, so the reads below see them all.
      const last = await this.model.findOne({ userId }).sort({ seq: -1 }).lean<SendRecord>();
      const sends =
        horizon === 0 ? [] : await this.model.find({ userId, at: { $gt: new Date(now.getTime() - horizon) }, released: { $ne: true } }).lean<SendRecord[]>();
      // Looked for last: whatever the reads above saw, including another attempt of this same reservation, is seen here.
      if (await this.model.exists({ userId, key })) return { granted: true };
      const verdict = capVerdict(request.caps, sends.map((s) => ({ campaignId: s.campaignId, tags: s.tags, at: s.at.getTime() })), now.getTime());
      if (!verdict.granted) return verdict;
      const seq = (last?.seq ?? -1) + 1;
      try {
        await this.model.create({ _id: `${seq}:${userId}`, userId, seq, key, campaignId: request.campaignId, tags: request.tags, at: now });
        return verdict;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new Error(`could not reserve a send for user ${userId}: ${MAX_TRIES} concurrent sends won the race`);
  }

  /** Gives a reserved slot back; repeating it changes nothing. */
  async release(userId: string, key: string): Promise<void> {
    await this.model.updateOne({ userId, key }, { $set: { released: true } });
  }
}

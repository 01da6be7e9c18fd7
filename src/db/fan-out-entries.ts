import { Schema, type Connection, type Model } from 'mongoose';
import { insertNewOnly } from './insert-new';

/**
 * One record per (fan-out, user), claimed by a unique insert before the user's journey is
 * started and marked entered after: a fan-out resumed after a crash finds who it entered.
 */
export interface FanOutEntryRecord {
  _id: string;
  fanOutId: string;
  userId: string;
  claimedAt: Date;
  enteredAt?: Date;
}

const entrySchema = new Schema<FanOutEntryRecord>(
  {
    _id: { type: String, required: true },
    fanOutId: { type: String, required: true },
    userId: { type: String, required: true },
    claimedAt: { type: Date, required: true },
    enteredAt: Date,
  },
  { versionKey: false },
);
entrySchema.index({ fanOutId: 1 });

export interface EntryClaims {
  /** Users claimed by this call: nobody has started their journey for this fan-out. */
  claimed: string[];
  /** Users claimed before, by an earlier attempt: entered, or perhaps cut off mid-way. */
  earlier: FanOutEntryRecord[];
}

// Fan-out ids never hold a "|", so the key is unambiguous.
const entryKey = (fanOutId: string, userId: string) => `${fanOutId}|${userId}`;

export class FanOutEntryRepository {
  private readonly model: Model<FanOutEntryRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<FanOutEntryRecord>('FanOutEntry', entrySchema, 'fanout_entries');
  }

  async claim(fanOutId: string, userIds: string[], now: Date): Promise<EntryClaims> {
    const records = userIds.map((userId) => ({ _id: entryKey(fanOutId, userId), fanOutId, userId, claimedAt: now }));
    const failed = await insertNewOnly(this.model, records);
    const taken = records.filter((_, i) => failed.has(i));
    const earlier =
      taken.length === 0
        ? []
        : await this.model.find({ _id: { $in: taken.map((r) => r._id) } }).lean<FanOutEntryRecord[]>();
    return { claimed: records.filter((_, i) => !failed.has(i)).map((r) => r.userId), earlier };
  }

  async markEntered(fanOutId: string, userIds: string[], at: Date): Promise<void> {
    if (userIds.length === 0) return;
    await this.model.updateMany(
      { _id: { $in: userIds.map((u) => entryKey(fanOutId, u)) } },
      { $set: { enteredAt: at } },
    );
  }
}

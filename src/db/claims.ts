import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from './duplicate-key';

/**
 * Exclusive claims made by inserting a document with a unique id. FerretDB 1.24 does not
 * make a conditional update ($inc, a filtered updateOne) atomic under concurrency, but a
 * duplicate insert always fails, on FerretDB and MongoDB alike: so every limit shared by
 * workers (rate, concurrency, breaker probe, failure count) is built on these.
 */
interface ClaimRecord {
  _id: string;
  /** Groups claims for counting and clearing, e.g. "fail:<destination>". */
  scope: string;
  holder?: string;
  expiresAt: Date;
}

const claimSchema = new Schema<ClaimRecord>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    holder: String,
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
claimSchema.index({ scope: 1 });
claimSchema.index({ expiresAt: 1 });

/** Expired claims are cleared now and then by whoever claims, since FerretDB has no TTL index. */
const SWEEP_EVERY = 500;

export class Claims {
  private readonly model: Model<ClaimRecord>;
  private claimsSinceSweep = 0;

  constructor(connection: Connection) {
    this.model = connection.model<ClaimRecord>('Claim', claimSchema, 'claims');
  }

  /** True when this call got the claim; false when someone holds it. */
  async claim(id: string, scope: string, expiresAt: Date, holder?: string): Promise<boolean> {
    if (++this.claimsSinceSweep >= SWEEP_EVERY) {
      this.claimsSinceSweep = 0;
      await this.model.deleteMany({ expiresAt: { $lt: new Date() } });
    }
    try {
      await this.model.create({ _id: id, scope, expiresAt, ...(holder && { holder }) });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Claims `id`, taking it over when its holder let it expire (a worker that died mid-send). */
  async claimOrTakeOver(id: string, scope: string, now: Date, expiresAt: Date, holder: string): Promise<boolean> {
    if (await this.claim(id, scope, expiresAt, holder)) return true;
    const cleared = await this.model.deleteOne({ _id: id, expiresAt: { $lt: now } });
    return cleared.deletedCount === 1 && this.claim(id, scope, expiresAt, holder);
  }

  async release(id: string, holder: string): Promise<void> {
    await this.model.deleteOne({ _id: id, holder });
  }

  async count(scope: string, now: Date): Promise<number> {
    return this.model.countDocuments({ scope, expiresAt: { $gte: now } });
  }

  async clear(scope: string): Promise<void> {
    await this.model.deleteMany({ scope });
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { AccessKeyCreate, AccessKind } from '../domain/access-key';

/**
 * Only a key's sha256 digest is stored: the keys are 256-bit random tokens, so a fast hash is
 * enough (there is nothing to brute-force), and the plain key is shown once, when created.
 */
export interface AccessKeyRecord {
  _id: string;
  digest: string;
  kind: AccessKind;
  name: string;
  /** The key's visible beginning, so an operator can tell keys apart without the secret. */
  hint: string;
  rateLimit?: string;
  /** An ingest key that may send entity events (events without a userId). */
  entityEvents?: boolean;
  createdAt: Date;
  revokedAt?: Date;
}

const accessKeySchema = new Schema<AccessKeyRecord>(
  {
    _id: { type: String, required: true },
    digest: { type: String, required: true },
    kind: { type: String, required: true },
    name: { type: String, required: true },
    hint: { type: String, required: true },
    rateLimit: String,
    entityEvents: Boolean,
    createdAt: { type: Date, required: true },
    revokedAt: Date,
  },
  { versionKey: false },
);
accessKeySchema.index({ digest: 1 }, { unique: true });

export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

const HINT_SECRET_CHARS = 4;

export class AccessKeyRepository {
  private readonly model: Model<AccessKeyRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<AccessKeyRecord>('AccessKey', accessKeySchema, 'access_keys');
  }

  /** Stores a new key and returns it with its plain text, which is not kept anywhere. */
  async create(input: AccessKeyCreate, now = new Date()): Promise<{ record: AccessKeyRecord; key: string }> {
    const prefix = `hk_${input.kind}_`;
    const key = `${prefix}${randomBytes(32).toString('base64url')}`;
    const record: AccessKeyRecord = {
      _id: `key_${randomBytes(8).toString('hex')}`,
      digest: keyDigest(key).toString('hex'),
      kind: input.kind,
      name: input.name,
      hint: `${key.slice(0, prefix.length + HINT_SECRET_CHARS)}…`,
      ...(input.rateLimit && { rateLimit: input.rateLimit }),
      ...(input.entityEvents && { entityEvents: true }),
      createdAt: now,
    };
    await this.model.create(record);
    return { record, key };
  }

  list(): Promise<AccessKeyRecord[]> {
    return this.model.find().sort({ createdAt: 1 }).lean<AccessKeyRecord[]>();
  }

  /** The key with this digest, revoked or not; the caller decides what a revoked key may do. */
  findByDigest(digest: Buffer): Promise<AccessKeyRecord | null> {
    return this.model.findOne({ digest: digest.toString('hex') }).lean<AccessKeyRecord>();
  }

  /** Marks the key revoked (kept, so the list shows when); null when no such key exists. */
  async revoke(id: string, now = new Date()): Promise<AccessKeyRecord | null> {
    const current = await this.model.findById(id).lean<AccessKeyRecord>();
    if (!current || current.revokedAt) return current;
    await this.model.updateOne({ _id: id }, { $set: { revokedAt: now } });
    return { ...current, revokedAt: now };
  }
}

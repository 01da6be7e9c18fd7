import { Schema, type Connection, type Model } from 'mongoose';
import { addCounts, addHistogram, emptyHistogram, type Counts, type LatencyHistogram } from '../domain/stats';
import type { Claims } from './claims';
import { isDuplicateKey } from './duplicate-key';

/**
 * Campaign counters, exact under concurrency on FerretDB (whose $inc and conditional updates
 * lose updates) and cheap to read with millions of deliveries:
 *
 * - Each process adds up its counts in memory and writes them every second or so as
 *   insert-only increment documents with unique ids (StatsRecorder). A unique insert is
 *   atomic everywhere, and a retried write of the same id is refused, so nothing is lost or
 *   counted twice by the write itself.
 * - A compactor, one at a time under a claim, folds a bucket's increments into its hourly
 *   bucket document and deletes them. The bucket remembers the ids it folded last, so a
 *   compactor that dies between the two steps leaves nothing counted twice: the next fold,
 *   and every reader, skip increments the bucket already holds.
 * - Readers add the buckets and the increments not folded yet, so stats are exact at once.
 */
export interface StatsKey {
  campaignId: string;
  /** The campaign version the journey runs; 0 when it is not known (journeys started before versions were recorded). */
  version: number;
}

export interface StatsRow extends StatsKey {
  hour: Date;
  counts: Counts;
  latency: LatencyHistogram;
}

interface IncrementRecord extends StatsRow {
  _id: string;
  bucket: string;
}

interface BucketRecord extends StatsRow {
  _id: string;
  /** Ids of the increments of the latest fold, which may not have been deleted yet. */
  folded: string[];
}

const rowFields = {
  campaignId: { type: String, required: true },
  version: { type: Number, required: true },
  hour: { type: Date, required: true },
  counts: { type: Schema.Types.Mixed, default: {} },
  latency: { type: [Number], default: undefined },
};

const incrementSchema = new Schema<IncrementRecord>(
  { _id: { type: String, required: true }, bucket: { type: String, required: true }, ...rowFields },
  { versionKey: false, minimize: false },
);
incrementSchema.index({ bucket: 1 });
incrementSchema.index({ campaignId: 1, hour: 1 });
incrementSchema.index({ hour: 1 });

const bucketSchema = new Schema<BucketRecord>(
  { _id: { type: String, required: true }, ...rowFields, folded: { type: [String], default: [] } },
  { versionKey: false, minimize: false },
);
bucketSchema.index({ campaignId: 1, hour: 1 });
bucketSchema.index({ hour: 1 });

export function bucketId(key: StatsKey, hour: Date): string {
  return `${key.campaignId}:${key.version}:${hour.toISOString()}`;
}

const COMPACTOR_CLAIM = 'stats:compactor';
const COMPACTOR_LEASE_MS = 60_000;
/** Buckets folded per pass, so a pass ends well inside its lease. */
const BUCKETS_PER_PASS = 200;

export class StatsStore {
  private readonly increments: Model<IncrementRecord>;
  private readonly buckets: Model<BucketRecord>;

  constructor(
    connection: Connection,
    private readonly claims: Claims,
  ) {
    this.increments = connection.model<IncrementRecord>('StatsIncrement', incrementSchema, 'stats_increments');
    this.buckets = connection.model<BucketRecord>('StatsBucket', bucketSchema, 'stats_buckets');
  }

  /** Stores increments; ids stored before (a write retried after an unclear failure) are skipped. */
  async insertIncrements(rows: Array<StatsRow & { id: string }>): Promise<void> {
    if (rows.length === 0) return;
    const docs = rows.map(({ id, ...row }) => ({ _id: id, bucket: bucketId(row, row.hour), ...row }));
    try {
      await this.increments.insertMany(docs, { ordered: false, lean: true });
    } catch (err) {
      const writeErrors = (err as { writeErrors?: Array<{ code?: number; err?: { code?: number } }> }).writeErrors;
      if (!writeErrors?.length || !writeErrors.every((e) => isDuplicateKey(e) || isDuplicateKey(e.err))) throw err;
    }
  }

  /** Folds waiting increments into their hourly buckets; returns how many buckets it folded, 0 when another process holds the claim. */
  async compact(holder: string): Promise<number> {
    const now = new Date();
    if (
      !(await this.claims.claimOrTakeOver(
        COMPACTOR_CLAIM,
        COMPACTOR_CLAIM,
        now,
        new Date(now.getTime() + COMPACTOR_LEASE_MS),
        holder,
      ))
    )
      return 0;
    try {
      const waiting = await this.increments
        .find({}, { bucket: 1 })
        .sort({ _id: 1 })
        .limit(BUCKETS_PER_PASS * 10)
        .lean<Array<{ bucket: string }>>();
      const ids = [...new Set(waiting.map((w) => w.bucket))].slice(0, BUCKETS_PER_PASS);
      for (const id of ids) await this.fold(id);
      return ids.length;
    } finally {
      await this.claims.release(COMPACTOR_CLAIM, holder);
    }
  }

  /** Only ever run by the claim's holder: read, add, replace, then delete what was added. */
  private async fold(id: string): Promise<void> {
    const increments = await this.increments.find({ bucket: id }).lean<IncrementRecord[]>();
    if (increments.length === 0) return;
    const bucket = await this.buckets.findById(id).lean<BucketRecord>();
    const already = new Set(bucket?.folded ?? []);
    const fresh = increments.filter((i) => !already.has(i._id));
    if (fresh.length > 0) {
      const counts = addCounts({}, bucket?.counts ?? {});
      const latency = addHistogram(emptyHistogram(), bucket?.latency);
      for (const increment of fresh) {
        addCounts(counts, increment.counts);
        addHistogram(latency, increment.latency);
      }
      const { campaignId, version, hour } = fresh[0];
      await this.buckets.replaceOne(
        { _id: id },
        { campaignId, version, hour, counts, latency, folded: fresh.map((i) => i._id) },
        { upsert: true },
      );
    }
    await this.increments.deleteMany({ _id: { $in: increments.map((i) => i._id) } });
  }

  /**
   * Every hourly row in [from, to), of one campaign or of all. Increments are read before
   * buckets: an increment folded in between is then found in its bucket's `folded` and
   * counted once.
   */
  async rows(from: Date, to: Date, campaignId?: string): Promise<StatsRow[]> {
    const filter = { hour: { $gte: from, $lt: to }, ...(campaignId && { campaignId }) };
    const increments = await this.increments.find(filter).lean<IncrementRecord[]>();
    const buckets = await this.buckets.find(filter).lean<BucketRecord[]>();
    const folded = new Map(buckets.map((b) => [b._id, new Set(b.folded)]));
    const unfolded = increments.filter((i) => !folded.get(i.bucket)?.has(i._id));
    return [...buckets, ...unfolded].map(({ campaignId: c, version, hour, counts, latency }) => ({
      campaignId: c,
      version,
      hour,
      counts,
      latency: latency ?? [],
    }));
  }

  async waitingIncrements(): Promise<number> {
    return this.increments.countDocuments({});
  }
}

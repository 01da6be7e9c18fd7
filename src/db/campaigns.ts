import { Schema, type Connection, type Model } from 'mongoose';
import type { Campaign } from '../domain/campaign';
import { CAMPAIGN_STATUSES, type CampaignStatus } from '../domain/campaign-gate';
import { isDuplicateKey } from './duplicate-key';
import { RecentRead } from './recent-read';
import { decodeStored, encodeStored } from './stored-value';

export interface CampaignVersion {
  version: number;
  definition: Campaign;
  createdAt: Date;
}

export interface CampaignRecord {
  _id: string;
  status: CampaignStatus;
  /** The version new journeys start on; running journeys keep the one they started with. */
  version: number;
  definition: Campaign;
  versions: CampaignVersion[];
  createdAt: Date;
  updatedAt: Date;
  activatedAt?: Date;
}

/** A record as read, with its definitions (which hold users' JSON, such as webhook bodies) as they were sent. */
function readBack<T extends CampaignRecord | null>(record: T): T {
  if (record === null) return record;
  const versions = record.versions?.map((v) => ({ ...v, definition: decodeStored(v.definition) }));
  return { ...record, definition: decodeStored(record.definition), ...(versions && { versions }) };
}

const campaignSchema = new Schema<CampaignRecord>(
  {
    _id: { type: String, required: true },
    status: { type: String, enum: CAMPAIGN_STATUSES, required: true },
    version: { type: Number, required: true },
    definition: { type: Schema.Types.Mixed, required: true },
    versions: { type: [{ version: Number, definition: Schema.Types.Mixed, createdAt: Date, _id: false }], default: [] },
    activatedAt: Date,
  },
  { versionKey: false, minimize: false, timestamps: true },
);
campaignSchema.index({ status: 1 });

/** Counts the changes to the set of live campaigns, so a process caching it knows when to read it again. */
interface RevisionRecord {
  _id: string;
  n: number;
}
const revisionSchema = new Schema<RevisionRecord>({ _id: String, n: Number }, { versionKey: false });
const LIVE_REVISION = 'live';

export class CampaignExistsError extends Error {}

export class CampaignRepository {
  private readonly model: Model<CampaignRecord>;
  private readonly revisions: Model<RevisionRecord>;

  private readonly revision = new RecentRead(
    async () => (await this.revisions.findById(LIVE_REVISION).lean<RevisionRecord>())?.n ?? 0,
  );
  /** Statuses read at `revision` (see cacheLiveReads). */
  private statuses = { revision: -1, byId: new Map<string, CampaignStatus | undefined>() };

  constructor(connection: Connection) {
    this.model = connection.model<CampaignRecord>('Campaign', campaignSchema, 'campaigns');
    this.revisions = connection.model<RevisionRecord>('CampaignRevision', revisionSchema, 'campaign_revisions');
  }

  /**
   * Lets status() keep a campaign's status while the live revision stays the same, and reuse
   * the revision for `maxAgeMs` after it was last read: a pause is seen within `maxAgeMs`
   * instead of costing reads every journey. Set by the worker; 0 (the default) reads every time.
   */
  cacheLiveReads(maxAgeMs: number): void {
    this.revision.maxAgeMs = maxAgeMs;
  }

  /**
   * Changes with every edit or status change of a campaign. Read by _id by a command sent after
   * this call began, so a change made before the call is seen; callers at once share the read.
   */
  async liveRevision(): Promise<number> {
    return this.revision.fresh();
  }

  /** Written after the change it announces, so a reader that sees the new revision reads the change. */
  private async bumpRevision<T>(changed: T | null): Promise<T | null> {
    if (changed) await this.revisions.updateOne({ _id: LIVE_REVISION }, { $inc: { n: 1 } }, { upsert: true });
    return changed;
  }

  async create(sent: Campaign): Promise<CampaignRecord> {
    const definition = encodeStored(sent);
    try {
      const created = await this.model.create({
        _id: definition.id,
        status: 'draft',
        version: 1,
        definition,
        versions: [{ version: 1, definition, createdAt: new Date() }],
      });
      return readBack(created.toObject());
    } catch (err) {
      if (isDuplicateKey(err)) throw new CampaignExistsError(`campaign "${sent.id}" already exists`);
      throw err;
    }
  }

  /** Saves an edit as a new version; null when the campaign does not exist or is archived. */
  async addVersion(sent: Campaign): Promise<CampaignRecord | null> {
    const definition = encodeStored(sent);
    const current = await this.get(definition.id);
    if (!current || current.status === 'archived') return null;
    const version = current.version + 1;
    const updated = await this.model
      .findOneAndUpdate(
        { _id: definition.id, version: current.version },
        { $set: { version, definition }, $push: { versions: { version, definition, createdAt: new Date() } } },
        { new: true },
      )
      .lean<CampaignRecord>();
    return this.bumpRevision(readBack(updated));
  }

  async get(id: string): Promise<CampaignRecord | null> {
    return readBack(await this.model.findById(id).lean<CampaignRecord>());
  }

  async list(): Promise<CampaignRecord[]> {
    return (await this.model.find().sort({ _id: 1 }).lean<CampaignRecord[]>()).map(readBack);
  }

  /** Active campaigns take new entries; paused ones still hear exit and awaited events for their running journeys. */
  async listLive(): Promise<CampaignRecord[]> {
    return (await this.model.find({ status: { $in: ['active', 'paused'] } }).lean<CampaignRecord[]>()).map(readBack);
  }

  /** Moves a campaign from one of `from` to `to`; null when it is in another state (or missing). */
  async transition(id: string, from: CampaignStatus[], to: CampaignStatus): Promise<CampaignRecord | null> {
    const now = new Date();
    const moved = await this.model
      .findOneAndUpdate(
        { _id: id, status: { $in: from } },
        { $set: { status: to, ...(to === 'active' && { activatedAt: now }) } },
        { new: true },
      )
      .lean<CampaignRecord>();
    return this.bumpRevision(readBack(moved));
  }

  /**
   * The campaign's status. With cacheLiveReads, an active one is kept until the live revision
   * moves; any other is read every time, so a journey held by a pause sees the resume at once.
   */
  async status(id: string): Promise<CampaignStatus | undefined> {
    if (this.revision.maxAgeMs === 0) return this.readStatus(id);
    // Read before the status: the revision moves after the change it announces, so the status read is at least as new.
    const revision = await this.revision.get();
    if (this.statuses.revision !== revision) this.statuses = { revision, byId: new Map() };
    const { byId } = this.statuses;
    if (byId.get(id) === 'active') return 'active';
    const status = await this.readStatus(id);
    byId.set(id, status);
    return status;
  }

  private async readStatus(id: string): Promise<CampaignStatus | undefined> {
    return (await this.model.findById(id, { status: 1 }).lean<Pick<CampaignRecord, 'status'>>())?.status;
  }
}

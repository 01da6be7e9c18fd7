import { Schema, type Connection, type Model } from 'mongoose';
import type { Campaign } from '../domain/campaign';
import { isDuplicateKey } from './connection';

export const CAMPAIGN_STATUSES = ['draft', 'active'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface CampaignRecord {
  _id: string;
  status: CampaignStatus;
  definition: Campaign;
  createdAt: Date;
  updatedAt: Date;
  activatedAt?: Date;
}

const campaignSchema = new Schema<CampaignRecord>(
  {
    _id: { type: String, required: true },
    status: { type: String, enum: CAMPAIGN_STATUSES, required: true },
    definition: { type: Schema.Types.Mixed, required: true },
    activatedAt: Date,
  },
  { versionKey: false, minimize: false, timestamps: true },
);
campaignSchema.index({ status: 1 });

export class CampaignExistsError extends Error {}

export class CampaignRepository {
  private readonly model: Model<CampaignRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<CampaignRecord>('Campaign', campaignSchema, 'campaigns');
  }

  async create(definition: Campaign): Promise<CampaignRecord> {
    try {
      const created = await this.model.create({ _id: definition.id, status: 'draft', definition });
      return created.toObject();
    } catch (err) {
      if (isDuplicateKey(err)) throw new CampaignExistsError(`campaign "${definition.id}" already exists`);
      throw err;
    }
  }

  async get(id: string): Promise<CampaignRecord | null> {
    return this.model.findById(id).lean<CampaignRecord>();
  }

  async list(): Promise<CampaignRecord[]> {
    return this.model.find().sort({ _id: 1 }).lean<CampaignRecord[]>();
  }

  async listActive(): Promise<CampaignRecord[]> {
    return this.model.find({ status: 'active' }).lean<CampaignRecord[]>();
  }

  async activate(id: string): Promise<CampaignRecord | null> {
    const now = new Date();
    return this.model
      .findOneAndUpdate({ _id: id }, { $set: { status: 'active', activatedAt: now } }, { new: true })
      .lean<CampaignRecord>();
  }
}

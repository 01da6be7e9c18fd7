import { Schema, type Connection, type Model } from 'mongoose';
import type { Condition } from '../domain/condition';
import type { Segment } from '../domain/segment';
import { isDuplicateKey } from './duplicate-key';

export interface SegmentRecord {
  _id: string;
  definition: Segment;
  createdAt: Date;
  updatedAt: Date;
}

const segmentSchema = new Schema<SegmentRecord>(
  {
    _id: { type: String, required: true },
    definition: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false, timestamps: true },
);

export class SegmentExistsError extends Error {}

export class SegmentRepository {
  private readonly model: Model<SegmentRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<SegmentRecord>('Segment', segmentSchema, 'segments');
  }

  async create(definition: Segment): Promise<SegmentRecord> {
    try {
      return (await this.model.create({ _id: definition.id, definition })).toObject();
    } catch (err) {
      if (isDuplicateKey(err)) throw new SegmentExistsError(`segment "${definition.id}" already exists`);
      throw err;
    }
  }

  /** Replaces a segment's definition; null when it does not exist. */
  async replace(definition: Segment): Promise<SegmentRecord | null> {
    return this.model
      .findOneAndUpdate({ _id: definition.id }, { $set: { definition } }, { new: true })
      .lean<SegmentRecord>();
  }

  async get(id: string): Promise<SegmentRecord | null> {
    return this.model.findById(id).lean<SegmentRecord>();
  }

  async condition(id: string): Promise<Condition | undefined> {
    return (await this.get(id))?.definition.condition;
  }

  async list(): Promise<SegmentRecord[]> {
    return this.model.find().sort({ _id: 1 }).lean<SegmentRecord[]>();
  }
}

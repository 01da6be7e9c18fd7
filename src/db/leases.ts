import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Concurrency slots of a destination, shared by every worker: a send holds one slot while it
 * runs. A slot whose holder died is free again once its lease time has passed.
 */
interface SlotRecord {
  _id: string;
  destinationId: string;
  slot: number;
  until: Date | null;
  holder?: string;
}

const slotSchema = new Schema<SlotRecord>(
  {
    _id: { type: String, required: true },
    destinationId: { type: String, required: true },
    slot: { type: Number, required: true },
    until: { type: Date, default: null },
    holder: String,
  },
  { versionKey: false },
);
slotSchema.index({ destinationId: 1, slot: 1 });

export class ConcurrencySlots {
  private readonly model: Model<SlotRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<SlotRecord>('DestinationSlot', slotSchema, 'destination_slots');
  }

  private async ensure(destinationId: string, max: number): Promise<void> {
    const existing = await this.model.countDocuments({ destinationId, slot: { $lt: max } });
    if (existing >= max) return;
    await this.model.bulkWrite(
      Array.from({ length: max }, (_, slot) => ({
        updateOne: { filter: { _id: `${destinationId}#${slot}` }, update: { $setOnInsert: { destinationId, slot, until: null } }, upsert: true },
      })),
      { ordered: false },
    );
  }

  /** Takes a free slot for `holder` until `until`; undefined when all are busy. */
  async acquire(destinationId: string, max: number, holder: string, now: Date, until: Date): Promise<string | undefined> {
    await this.ensure(destinationId, max);
    const taken = await this.model
      .findOneAndUpdate(
        { destinationId, slot: { $lt: max }, $or: [{ until: null }, { until: { $lt: now } }] },
        { $set: { until, holder } },
        { new: true },
      )
      .lean<SlotRecord>();
    return taken?._id;
  }

  async release(slotId: string, holder: string): Promise<void> {
    await this.model.updateOne({ _id: slotId, holder }, { $set: { until: null } });
  }
}

import { Schema, type Connection, type Model } from 'mongoose';
import type { Reentry } from '../domain/campaign';
import { parseDuration } from '../domain/duration';
import { isDuplicateKey } from './connection';

/** One record per journey workflow id: who entered, when it last ended, for the re-entry rules. */
export interface JourneyRecord {
  _id: string;
  campaignId: string;
  userId: string;
  runId: string;
  status: 'running' | 'ended';
  entries: number;
  enteredAt: Date;
  endedAt?: Date;
  outcome?: string;
}

const journeySchema = new Schema<JourneyRecord>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    userId: { type: String, required: true },
    runId: { type: String, required: true },
    status: { type: String, required: true },
    entries: { type: Number, default: 0 },
    enteredAt: Date,
    endedAt: Date,
    outcome: String,
  },
  { versionKey: false },
);
journeySchema.index({ campaignId: 1, userId: 1 });
// Serves a user's journeys (GET /v1/users/:id).
journeySchema.index({ userId: 1, enteredAt: -1 });

interface ConversionRecord {
  _id: string;
  campaignId: string;
  userId: string;
  journeyId: string;
  eventId: string;
  at: Date;
}

const conversionSchema = new Schema<ConversionRecord>(
  { _id: String, campaignId: String, userId: String, journeyId: String, eventId: String, at: Date },
  { versionKey: false },
);
conversionSchema.index({ campaignId: 1, at: -1 });

export type Admission = { admitted: true } | { admitted: false; reason: string };

export class JourneyRepository {
  private readonly journeys: Model<JourneyRecord>;
  private readonly conversions: Model<ConversionRecord>;

  constructor(connection: Connection) {
    this.journeys = connection.model<JourneyRecord>('Journey', journeySchema, 'journeys');
    this.conversions = connection.model<ConversionRecord>('Conversion', conversionSchema, 'conversions');
  }

  /** Applies the campaign's re-entry rule to a new run; repeated calls for the same run agree. */
  async admit(journeyId: string, runId: string, campaignId: string, userId: string, reentry: Reentry, now: Date): Promise<Admission> {
    const previous = await this.journeys.findById(journeyId).lean<JourneyRecord>();
    if (previous?.runId === runId) return { admitted: true };
    if (previous && reentry.mode === 'once') return { admitted: false, reason: 'already entered once' };
    if (previous?.endedAt && reentry.mode === 'afterCompletion' && reentry.cooldown) {
      const readyAt = previous.endedAt.getTime() + parseDuration(reentry.cooldown)!;
      if (now.getTime() < readyAt) return { admitted: false, reason: `cooling down until ${new Date(readyAt).toISOString()}` };
    }
    const entry = { campaignId, userId, runId, status: 'running', enteredAt: now };
    try {
      await this.journeys.updateOne({ _id: journeyId }, { $set: entry, $unset: { endedAt: 1, outcome: 1 }, $inc: { entries: 1 } }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return { admitted: false, reason: 'entered by a concurrent run' };
    }
    return { admitted: true };
  }

  async ended(journeyId: string, runId: string, outcome: string, now: Date): Promise<void> {
    await this.journeys.updateOne({ _id: journeyId, runId }, { $set: { status: 'ended', endedAt: now, outcome } });
  }

  /** Counts a conversion once per journey run; false when it was counted already. */
  async recordConversion(id: string, conversion: Omit<ConversionRecord, '_id'>): Promise<boolean> {
    try {
      await this.conversions.create({ _id: id, ...conversion });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** A user's journeys, latest first. */
  async listForUser(userId: string, limit: number): Promise<JourneyRecord[]> {
    return this.journeys.find({ userId: { $eq: userId } }).sort({ enteredAt: -1 }).limit(limit).lean<JourneyRecord[]>();
  }

  async countConversions(campaignId: string): Promise<number> {
    return this.conversions.countDocuments({ campaignId });
  }
}

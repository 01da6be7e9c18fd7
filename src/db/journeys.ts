import { Schema, type Connection, type Model } from 'mongoose';
import type { Reentry } from '../domain/campaign';
import { entryRefusal } from '../domain/reentry';
import { isDuplicateKey } from './duplicate-key';

/** One record per journey workflow id: who entered, when it last ended, for the re-entry rules. */
export interface JourneyRecord {
  _id: string;
  campaignId: string;
  userId: string;
  runId: string;
  /** The campaign version this run follows, for its stats. */
  campaignVersion?: number;
  status: 'running' | 'ended';
  /** Runs admitted before runIds was kept (records written before it); see entryCount. */
  entries?: number;
  /** Every run admitted into this journey; a set, so a retried admission adds nothing. */
  runIds?: string[];
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
    campaignVersion: Number,
    status: { type: String, required: true },
    entries: Number,
    runIds: { type: [String], default: undefined },
    enteredAt: Date,
    endedAt: Date,
    outcome: String,
  },
  { versionKey: false },
);
journeySchema.index({ campaignId: 1, userId: 1 });
// Serves a user's journeys (GET /v1/users/:id).
journeySchema.index({ userId: 1, enteredAt: -1 });

/** How many runs entered this journey. */
export function entryCount(record: Pick<JourneyRecord, 'entries' | 'runIds'>): number {
  return (record.entries ?? 0) + (record.runIds?.length ?? 0);
}

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

/** Which run a trigger event started: an event handed off again (an outbox retry) starts nothing more. */
interface TriggerRecord {
  _id: string;
  runId: string;
}

const triggerSchema = new Schema<TriggerRecord>({ _id: String, runId: String }, { versionKey: false });

/** `replaced`: the run this admission took the record from, which never recorded its end (terminated, or replaced by a restart). */
export type Admission =
  { admitted: true; replaced?: { runId: string; campaignVersion: number } } | { admitted: false; reason: string };

export class JourneyRepository {
  private readonly journeys: Model<JourneyRecord>;
  private readonly conversions: Model<ConversionRecord>;
  private readonly triggers: Model<TriggerRecord>;

  constructor(connection: Connection) {
    this.journeys = connection.model<JourneyRecord>('Journey', journeySchema, 'journeys');
    this.conversions = connection.model<ConversionRecord>('Conversion', conversionSchema, 'conversions');
    this.triggers = connection.model<TriggerRecord>('JourneyTrigger', triggerSchema, 'journeyTriggers');
  }

  /**
   * Applies the campaign's re-entry rule to a new run; repeated calls for the same run agree.
   * A trigger event admits one run only: the gateway may hand an event off again (its outbox
   * retries a hand-off whose outcome it could not record), and by then the first journey may
   * have ended, so Temporal would start a second run for the same event.
   */
  async admit(request: {
    journeyId: string;
    runId: string;
    campaignId: string;
    userId: string;
    campaignVersion: number;
    reentry: Reentry;
    now: Date;
    triggerEventId?: string;
  }): Promise<Admission> {
    const { journeyId, runId, campaignId, userId, campaignVersion, reentry, now, triggerEventId } = request;
    const previous = await this.journeys.findById(journeyId).lean<JourneyRecord>();
    if (previous?.runId === runId) return { admitted: true };
    if (triggerEventId && !(await this.claimTrigger(`${journeyId}:${triggerEventId}`, runId))) {
      return { admitted: false, reason: `event ${triggerEventId} already started this journey` };
    }
    const refusal = entryRefusal(reentry, previous, now);
    if (refusal) return { admitted: false, reason: refusal };
    const entry = { campaignId, userId, runId, campaignVersion, status: 'running', enteredAt: now };
    try {
      await this.journeys.updateOne(
        { _id: journeyId },
        { $set: entry, $unset: { endedAt: 1, outcome: 1 }, $addToSet: { runIds: runId } },
        { upsert: true },
      );
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Two attempts of this same run's admission (local-activity attempts overlap when the
      // database is slow) may both find no record and race to create it; the loser is admitted.
      const holder = await this.journeys.findById(journeyId, { runId: 1 }).lean<Pick<JourneyRecord, 'runId'>>();
      return holder?.runId === runId ? { admitted: true } : { admitted: false, reason: 'entered by a concurrent run' };
    }
    if (previous?.status === 'running')
      return { admitted: true, replaced: { runId: previous.runId, campaignVersion: previous.campaignVersion ?? 0 } };
    return { admitted: true };
  }

  /** The campaign version a journey's current run follows; 0 when unknown. */
  async versionOf(journeyId: string): Promise<number> {
    return (
      (await this.journeys.findById(journeyId, { campaignVersion: 1 }).lean<Pick<JourneyRecord, 'campaignVersion'>>())
        ?.campaignVersion ?? 0
    );
  }

  /** True when this run holds the trigger (a unique insert, atomic on FerretDB too), also on a retried call. */
  private async claimTrigger(id: string, runId: string): Promise<boolean> {
    try {
      await this.triggers.create({ _id: id, runId });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const holder = await this.triggers.findById(id).lean<TriggerRecord>();
      return holder?.runId === runId;
    }
  }

  /**
   * Records the end of this run and returns the campaign version it followed; undefined when
   * the record already belongs to another run. Read, then written by _id alone: FerretDB
   * scans the whole collection for any other filter. No other run can take the record in
   * between, since Temporal starts the next run of a journey only once this one has closed.
   */
  async ended(journeyId: string, runId: string, outcome: string, now: Date): Promise<{ version: number } | undefined> {
    const current = await this.journeys
      .findById(journeyId, { runId: 1, campaignVersion: 1 })
      .lean<Pick<JourneyRecord, 'runId' | 'campaignVersion'>>();
    if (current?.runId !== runId) return undefined;
    await this.journeys.updateOne({ _id: journeyId }, { $set: { status: 'ended', endedAt: now, outcome } });
    return { version: current.campaignVersion ?? 0 };
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
    return this.journeys
      .find({ userId: { $eq: userId } })
      .sort({ enteredAt: -1 })
      .limit(limit)
      .lean<JourneyRecord[]>();
  }

  async countConversions(campaignId: string): Promise<number> {
    return this.conversions.countDocuments({ campaignId });
  }
}

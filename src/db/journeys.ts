import type { Collection } from 'mongodb';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Reentry } from '../domain/campaign';
import { journeyWorkflowId } from '../domain/journey-id';
import { entryRefusal } from '../domain/reentry';
import { AppendLog } from './append-log';
import { isDuplicateKey } from './duplicate-key';
import { GuessOutcomes } from './guess-outcomes';
import { insertOnce } from './insert-new';
import { sharedInsertOnce } from './shared-commands';

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
  /**
   * The event that started the run whose admission created this record (since 7 Dec 2026); the
   * events of later runs are claims of their own (`journeyTriggers`), as all were before.
   */
  firstTriggerEventId?: string;
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
    firstTriggerEventId: String,
    enteredAt: Date,
    endedAt: Date,
    outcome: String,
  },
  { versionKey: false },
);
journeySchema.index({ campaignId: 1, userId: 1 });

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

/** Which run a trigger event of a re-entry started: an event handed off again (an outbox retry) starts nothing more. */
interface TriggerRecord {
  _id: string;
  runId: string;
}

const triggerSchema = new Schema<TriggerRecord>({ _id: String, runId: String }, { versionKey: false });

/** `replaced`: the run this admission took the record from, which never recorded its end (terminated, or replaced by a restart). */
export type Admission =
  | { admitted: true; replaced?: { runId: string; campaignVersion: number } }
  | { admitted: false; reason: string; outOfAudience?: true };

export interface AdmissionRequest {
  journeyId: string;
  runId: string;
  campaignId: string;
  userId: string;
  campaignVersion: number;
  reentry: Reentry;
  now: Date;
  triggerEventId?: string;
}

/** What a record says of the run an admission lets in. */
function entryOf({ campaignId, userId, runId, campaignVersion, now }: AdmissionRequest) {
  return { campaignId, userId, runId, campaignVersion, status: 'running' as const, enteredAt: now };
}

/** Marks that journeys stored before the user index existed were indexed (see migrateUserIndex). */
const INDEX_MIGRATION_MARK = 'migrated:journeys';
/** Journeys indexed at once by the start-up migration. */
const INDEX_CONCURRENCY = 16;

const userLog = (userId: string) => `user:${userId}`;

const JOURNEYS = 'journeys';
const TRIGGERS = 'journeyTriggers';

export class JourneyRepository {
  private readonly journeys: Model<JourneyRecord>;
  private readonly conversions: Model<ConversionRecord>;
  /**
   * What each journey runs through, read and written with the driver itself: mongoose's
   * casting, cloning and hydration cost a tenth of the worker's busy time for commands that
   * name one _id and already carry the stored types. The models keep the schemas and indexes.
   */
  private readonly records: Collection<JourneyRecord>;
  /** Concurrent entries' new records, inserted in one command (shared-commands.ts). */
  private readonly insertRecord: ReturnType<typeof sharedInsertOnce<JourneyRecord>>;
  private readonly triggers: Collection<TriggerRecord>;
  /**
   * Each user's journeys whose id is not the campaign's one per user (journeyWorkflowId), i.e.
   * those of parallel campaigns: a log per user, read by _id. Those with the campaign's id are
   * found by _id from the campaign ids, so the hot path of ordinary journeys writes nothing more.
   */
  private readonly userIndex: AppendLog;
  private readonly guesses = new Map<string, GuessOutcomes>();

  constructor(private readonly connection: Connection) {
    this.userIndex = new AppendLog(connection.collection('journey_index'), false);
    this.journeys = connection.model<JourneyRecord>('Journey', journeySchema, JOURNEYS);
    this.conversions = connection.model<ConversionRecord>('Conversion', conversionSchema, 'conversions');
    // Registered still, so the collection is created at start like every other.
    connection.model<TriggerRecord>('JourneyTrigger', triggerSchema, TRIGGERS);
    this.records = connection.collection<JourneyRecord>(JOURNEYS);
    this.insertRecord = sharedInsertOnce(this.records);
    this.triggers = connection.collection<TriggerRecord>(TRIGGERS);
  }

  /**
   * Applies the campaign's re-entry rule to a new run; repeated calls for the same run agree.
   * A trigger event admits one run only: the gateway may hand an event off again (its outbox
   * retries a hand-off whose outcome it could not record), and by then the first journey may
   * have ended, so Temporal would start a second run for the same event. `inAudience`, the
   * campaign's audience check, is asked before anything is written.
   */
  async admit(request: AdmissionRequest, inAudience?: () => Promise<boolean>): Promise<Admission> {
    const { journeyId, runId, campaignId, reentry, now, triggerEventId } = request;
    // Asked beside the first read (one round trip less before the first webhook), but only
    // heeded after it: a retried admission of a run already admitted stays admitted, whatever
    // the audience says now.
    const audience = inAudience?.();
    audience?.catch(() => undefined);
    const guesses = this.firstEntryGuesses(campaignId);
    const guessing = guesses.worthGuessing();
    // A first entry is guessed: its record inserted without a read, once the audience agrees
    // (a user outside it is read first, in case this run was admitted before it left).
    if (guessing && (!audience || (await audience))) {
      const created = await this.create(request);
      guesses.record(!created);
      if (created) return { admitted: true };
    }
    const previous = await this.records.findOne({ _id: journeyId });
    if (!guessing) guesses.record(previous !== null);
    if (previous?.runId === runId) return { admitted: true };
    if (audience && !(await audience)) return { admitted: false, reason: 'not in the audience', outOfAudience: true };
    const alreadyStarted = { admitted: false, reason: `event ${triggerEventId} already started this journey` } as const;
    // A first entry's event is kept in the record its insert creates; a re-entry's is claimed
    // apart (FerretDB applies a conditional update without holding the document, so only a
    // unique insert decides between two runs at once).
    if (triggerEventId && previous && !(await this.claimTrigger(previous, triggerEventId, runId)))
      return alreadyStarted;
    const refusal = entryRefusal(reentry, previous, now);
    if (refusal) return { admitted: false, reason: refusal };
    // Two attempts of this same run's admission (local-activity attempts overlap when the
    // database is slow) may both find no record and race to create it: the loser is admitted.
    const created = previous
      ? await this.records.updateOne(
          { _id: journeyId },
          { $set: entryOf(request), $unset: { endedAt: 1, outcome: 1 }, $addToSet: { runIds: runId } },
        )
      : await this.create(request);
    if (created === false) {
      const holder = await this.records.findOne(
        { _id: journeyId },
        { projection: { runId: 1, firstTriggerEventId: 1 } },
      );
      if (holder?.runId === runId) return { admitted: true };
      return triggerEventId && holder?.firstTriggerEventId === triggerEventId
        ? alreadyStarted
        : { admitted: false, reason: 'entered by a concurrent run' };
    }
    if (previous?.status === 'running')
      return { admitted: true, replaced: { runId: previous.runId, campaignVersion: previous.campaignVersion ?? 0 } };
    return { admitted: true };
  }

  /** Creates a journey's record for its first run (an insert: an upsert is FerretDB's slowest write); false when it exists. */
  private async create(request: AdmissionRequest): Promise<boolean> {
    const { journeyId, campaignId, userId, runId, triggerEventId } = request;
    // Indexed before the record exists, so the user view lists every record (a repeat is read once).
    if (journeyId !== journeyWorkflowId(campaignId, userId)) await this.userIndex.append(userLog(userId), [journeyId]);
    return this.insertRecord({
      _id: journeyId,
      ...entryOf(request),
      runIds: [runId],
      ...(triggerEventId && { firstTriggerEventId: triggerEventId }),
    });
  }

  /**
   * Per campaign: its journeys' first entries mostly create their records (a welcome flow) or
   * mostly find them (re-entries on a recurring event), so each campaign's recent outcomes decide.
   */
  private firstEntryGuesses(campaignId: string): GuessOutcomes {
    let guesses = this.guesses.get(campaignId);
    if (!guesses) this.guesses.set(campaignId, (guesses = new GuessOutcomes()));
    return guesses;
  }

  /** The campaign version a journey's current run follows; 0 when unknown. */
  async versionOf(journeyId: string): Promise<number> {
    return (
      (await this.records.findOne({ _id: journeyId }, { projection: { campaignVersion: 1 } }))?.campaignVersion ?? 0
    );
  }

  /** True when this run holds the trigger (a unique insert, atomic on FerretDB too), also on a retried call. */
  private async claimTrigger(previous: JourneyRecord, triggerEventId: string, runId: string): Promise<boolean> {
    if (previous.firstTriggerEventId === triggerEventId) return false;
    const id = `${previous._id}:${triggerEventId}`;
    if (await insertOnce(this.triggers, { _id: id, runId })) return true;
    const holder = await this.triggers.findOne({ _id: id });
    return holder?.runId === runId;
  }

  /**
   * Records the end of this run and returns the campaign version it followed; undefined when
   * the record already belongs to another run. One command: the filter names the run beside
   * the _id, which FerretDB reads by index too (tools/ferretdb/patches), and the record as it
   * was tells the version.
   */
  async ended(journeyId: string, runId: string, outcome: string, now: Date): Promise<{ version: number } | undefined> {
    // The record as it was (the driver's default, returnDocument 'before').
    const before = await this.records.findOneAndUpdate(
      { _id: journeyId, runId },
      { $set: { status: 'ended', endedAt: now, outcome } },
    );
    return before ? { version: before.campaignVersion ?? 0 } : undefined;
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

  /**
   * A user's journeys, latest first, each read by _id (FerretDB scans `journeys` for a filter on
   * userId): the user's journey in each campaign, found from the campaign ids (a read of the
   * small `campaigns` collection), and the latest `limit` the user index holds.
   */
  async listForUser(userId: string, limit: number): Promise<JourneyRecord[]> {
    const [campaigns, indexed] = await Promise.all([
      this.connection
        .collection<{ _id: string }>('campaigns')
        .find({}, { projection: { _id: 1 } })
        .toArray(),
      this.userIndex.latest(userLog(userId), limit),
    ]);
    const ids = new Set([...campaigns.map((c) => journeyWorkflowId(c._id, userId)), ...indexed.flatMap((e) => e.ids)]);
    const found = await Promise.all([...ids].map((id) => this.journeys.findById(id).lean<JourneyRecord>()));
    return found
      .filter((j): j is JourneyRecord => j !== null && j.userId === userId)
      .sort((a, b) => (b.enteredAt?.getTime() ?? 0) - (a.enteredAt?.getTime() ?? 0))
      .slice(0, limit);
  }

  /**
   * Indexes the journeys stored before the user index existed, once (a mark records it); each
   * process may run it on start, as the user view reads a journey indexed twice once. Reads
   * `journeys` once.
   */
  async migrateUserIndex(): Promise<void> {
    const marks = this.connection.collection<{ _id: string }>('journey_index');
    if (await marks.findOne({ _id: INDEX_MIGRATION_MARK })) return;
    let batch: JourneyRecord[] = [];
    const index = async () => {
      await Promise.all(batch.map((j) => this.userIndex.append(userLog(j.userId), [j._id])));
      batch = [];
    };
    for await (const journey of this.journeys
      .find({}, { campaignId: 1, userId: 1 })
      .lean<JourneyRecord>()
      .cursor({ batchSize: 1_000 })) {
      const j = journey as JourneyRecord;
      if (j._id === journeyWorkflowId(j.campaignId, j.userId)) continue;
      batch.push(j);
      if (batch.length >= INDEX_CONCURRENCY) await index();
    }
    await index();
    await insertOnce(marks, { _id: INDEX_MIGRATION_MARK });
  }

  async countConversions(campaignId: string): Promise<number> {
    return this.conversions.countDocuments({ campaignId });
  }
}

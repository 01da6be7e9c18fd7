// Who is in an audience. One user check reads that user's records only, each by _id (FerretDB
// on SQLite scans the whole collection for any other filter): the profile, and for behavioural
// terms the user's event history (event-history.ts), then evaluates the condition in memory
// (the evaluator and the compiled profile filter agree; see the property tests). A page of
// matching users is one profile query for candidates (condition-query.ts), whose behavioural
// terms are then answered user by user.
import type { Connection } from 'mongoose';
import { behaviourOutcome, earliestLookedAt } from '../domain/behaviour';
import { evaluateCondition, type Condition } from '../domain/condition';
import {
  behaviourTerms,
  compileProfileFilter,
  outsideScope,
  type AudienceContext,
  type MongoFilter,
} from '../domain/condition-query';
import { MAX_SEGMENT_DEPTH } from '../domain/segment';
import type { EventHistory } from './event-history';
import { decodeStored } from './stored-value';

export type { AudienceContext };

/** Where segment conditions come from (the segments repository). */
export interface SegmentLookup {
  condition(id: string): Promise<Condition | undefined>;
}

export class SegmentResolutionError extends Error {}

interface StoredProfile {
  _id: string;
  properties?: Record<string, unknown>;
  firstSeen?: Date;
  lastSeen?: Date;
}

/** Candidates read per batch when behavioural terms must be answered for each. */
const CANDIDATE_BATCH = 100;
/** Candidates a preview examines before it estimates (each costs a read of the user's history). */
const PREVIEW_BOUND = 500;

/** An audience's size now: exact, or past the preview's bound an estimate within ± margin (95%). */
export interface AudiencePreview {
  count: number;
  exact: boolean;
  margin?: number;
  sample: string[];
}

/** The scope the in-memory evaluator sees for a stored profile (or a missing one). */
function profileScope(context: AudienceContext, profile: StoredProfile): Record<string, unknown> {
  return {
    ...outsideScope(context),
    user: {
      id: profile._id,
      properties: decodeStored(profile.properties) ?? {},
      firstSeen: profile.firstSeen,
      lastSeen: profile.lastSeen,
    },
  };
}

function after(userId: string | undefined): MongoFilter[] {
  if (userId !== undefined && typeof userId !== 'string') throw new Error('a user id to resume after must be a string');
  return userId === undefined ? [] : [{ _id: { $gt: userId } }];
}

export class AudienceQuery {
  constructor(
    private readonly connection: Connection,
    private readonly segments: SegmentLookup,
    private readonly history: EventHistory,
  ) {}

  private get profiles() {
    return this.connection.collection<StoredProfile>('profiles');
  }

  /** Replaces segment references by their conditions, refusing unknown ids, cycles and chains deeper than MAX_SEGMENT_DEPTH. */
  async expand(condition: Condition, trail: string[] = []): Promise<Condition> {
    if ('all' in condition) return { all: await Promise.all(condition.all.map((c) => this.expand(c, trail))) };
    if ('any' in condition) return { any: await Promise.all(condition.any.map((c) => this.expand(c, trail))) };
    if ('not' in condition) return { not: await this.expand(condition.not, trail) };
    if (!('segment' in condition)) return condition;
    const id = condition.segment;
    if (trail.includes(id))
      throw new SegmentResolutionError(`segment "${id}" refers to itself through ${trail.join(' → ')}`);
    if (trail.length >= MAX_SEGMENT_DEPTH)
      throw new SegmentResolutionError(
        `segments refer to segments more than ${MAX_SEGMENT_DEPTH} deep: ${[...trail, id].join(' → ')}`,
      );
    const inner = await this.segments.condition(id);
    if (!inner) throw new SegmentResolutionError(`segment "${id}" does not exist`);
    return this.expand(inner, [...trail, id]);
  }

  /** The outcome of each behavioural term for the user, from one read of the user's history. */
  private async outcomes(condition: Condition, userId: string, now: number): Promise<Map<Condition, boolean>> {
    const terms = behaviourTerms(condition);
    if (terms.length === 0) return new Map();
    const events = await this.history.since(userId, earliestLookedAt(terms, now));
    return new Map(terms.map((term) => [term, behaviourOutcome(term, events, now)]));
  }

  /** Whether a stored profile (or, for a user without one, no properties) is in the expanded audience. */
  private async admits(expanded: Condition, profile: StoredProfile, context: AudienceContext): Promise<boolean> {
    const outcomes = await this.outcomes(expanded, profile._id, context.now);
    return evaluateCondition(expanded, profileScope(context, profile), { now: context.now, outcomes });
  }

  /** Whether one user is in the audience now; a user without a profile counts as one without properties. */
  async matches(userId: string, condition: Condition, context: AudienceContext): Promise<boolean> {
    if (typeof userId !== 'string') throw new Error('a user id must be a string');
    const expanded = await this.expand(condition);
    const profile = await this.profiles.findOne({ _id: userId });
    return this.admits(expanded, profile ?? { _id: userId }, context);
  }

  /** Candidate profiles in batches, from one cursor: FerretDB reads the collection once per query, not per batch. */
  private async *candidates(filter: MongoFilter, inIdOrder: boolean): AsyncGenerator<StoredProfile[]> {
    const cursor = this.profiles.find(filter, { batchSize: CANDIDATE_BATCH, ...(inIdOrder && { sort: { _id: 1 } }) });
    try {
      let batch: StoredProfile[] = [];
      for await (const profile of cursor) {
        batch.push(profile);
        if (batch.length < CANDIDATE_BATCH) continue;
        yield batch;
        batch = [];
      }
      if (batch.length > 0) yield batch;
    } finally {
      await cursor.close();
    }
  }

  /** Up to `limit` matching user ids after `afterUserId`, in id order, so a caller resumes from the last one. */
  async findMatchingUsers(
    condition: Condition,
    context: AudienceContext,
    afterUserId: string | undefined,
    limit: number,
  ): Promise<string[]> {
    const expanded = await this.expand(condition);
    if (behaviourTerms(expanded).length === 0) {
      const filter = compileProfileFilter(expanded, context, new Map());
      const page = await this.profiles
        .find({ $and: [filter, ...after(afterUserId)] }, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray();
      return page.map((p) => p._id);
    }
    const ids: string[] = [];
    for await (const batch of this.candidates(
      { $and: [compileProfileFilter(expanded, context, 'relaxed'), ...after(afterUserId)] },
      true,
    )) {
      const verdicts = await Promise.all(batch.map((profile) => this.admits(expanded, profile, context)));
      ids.push(...batch.filter((_, i) => verdicts[i]).map((p) => p._id));
      if (ids.length >= limit) return ids.slice(0, limit);
    }
    return ids;
  }

  /**
   * How many users match now, and a sample of them (sorted by id). Exact when the condition has
   * no behavioural terms or at most `bound` candidate profiles; past that, each candidate costing
   * a read of its history, the share matching among the first `bound` candidates stored is
   * extrapolated to all candidates, with a 95% margin that assumes those are representative.
   */
  async preview(
    condition: Condition,
    context: AudienceContext,
    sampleSize: number,
    bound = PREVIEW_BOUND,
  ): Promise<AudiencePreview> {
    const expanded = await this.expand(condition);
    if (behaviourTerms(expanded).length === 0) {
      const filter = compileProfileFilter(expanded, context, new Map());
      const [count, sample] = await Promise.all([
        this.profiles.countDocuments(filter),
        this.profiles
          .find(filter, { projection: { _id: 1 } })
          .limit(sampleSize)
          .toArray(),
      ]);
      return { count, exact: true, sample: sample.map((p) => p._id).sort() };
    }
    const candidates = compileProfileFilter(expanded, context, 'relaxed');
    let [examined, matched, more] = [0, 0, false];
    const sample: string[] = [];
    for await (const batch of this.candidates(candidates, false)) {
      const kept = batch.slice(0, bound - examined);
      more = kept.length < batch.length;
      const verdicts = await Promise.all(kept.map((profile) => this.admits(expanded, profile, context)));
      const found = kept.filter((_, i) => verdicts[i]).map((p) => p._id);
      sample.push(...found.slice(0, sampleSize - sample.length));
      [examined, matched] = [examined + kept.length, matched + found.length];
      if (more) break;
    }
    sample.sort();
    return more
      ? { ...(await this.estimate(candidates, examined, matched)), sample }
      : { count: matched, exact: true, sample };
  }

  private async estimate(
    candidates: MongoFilter,
    examined: number,
    matched: number,
  ): Promise<Omit<AudiencePreview, 'sample'>> {
    const total = await this.profiles.countDocuments(candidates);
    const share = matched / examined;
    const finite = Math.sqrt((total - examined) / (total - 1));
    return {
      count: Math.round(share * total),
      exact: false,
      margin: Math.ceil(1.96 * Math.sqrt((share * (1 - share)) / examined) * finite * total),
    };
  }
}

// Who is in an audience. One user check reads that user's records only, each by _id (FerretDB
// on SQLite scans the whole collection for any other filter): the profile, and for behavioural
// terms the user's event history (event-history.ts), then evaluates the condition in memory
// (the evaluator and the compiled profile filter agree; see the property tests). A page of
// matching users is one profile query for candidates (condition-query.ts), whose behavioural
// terms are then answered user by user.
import type { Connection } from 'mongoose';
import { behaviourOutcome, earliestLookedAt } from '../domain/behaviour';
import { evaluateCondition, type Condition } from '../domain/condition';
import { behaviourTerms, compileProfileFilter, outsideScope, type AudienceContext, type MongoFilter } from '../domain/condition-query';
import { MAX_SEGMENT_DEPTH } from '../domain/segment';
import type { EventHistory } from './event-history';

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

/** Candidates read per profile query when behavioural terms must be counted for each. */
const CANDIDATE_BATCH = 100;

/** The scope the in-memory evaluator sees for a stored profile (or a missing one). */
function profileScope(context: AudienceContext, profile: StoredProfile): Record<string, unknown> {
  return {
    ...outsideScope(context),
    user: { id: profile._id, properties: profile.properties ?? {}, firstSeen: profile.firstSeen, lastSeen: profile.lastSeen },
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
    if (trail.includes(id)) throw new SegmentResolutionError(`segment "${id}" refers to itself through ${trail.join(' → ')}`);
    if (trail.length >= MAX_SEGMENT_DEPTH) throw new SegmentResolutionError(`segments refer to segments more than ${MAX_SEGMENT_DEPTH} deep: ${[...trail, id].join(' → ')}`);
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

  /** Up to `limit` matching user ids after `afterUserId`, in id order, so a caller resumes from the last one. */
  async findMatchingUsers(condition: Condition, context: AudienceContext, afterUserId: string | undefined, limit: number): Promise<string[]> {
    const expanded = await this.expand(condition);
    if (behaviourTerms(expanded).length === 0) {
      const filter = compileProfileFilter(expanded, context, new Map());
      const page = await this.profiles.find({ $and: [filter, ...after(afterUserId)] }, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(limit).toArray();
      return page.map((p) => p._id);
    }
    const candidates = compileProfileFilter(expanded, context, 'relaxed');
    const ids: string[] = [];
    let cursor = afterUserId;
    for (;;) {
      const batch = await this.profiles.find({ $and: [candidates, ...after(cursor)] }).sort({ _id: 1 }).limit(CANDIDATE_BATCH).toArray();
      const verdicts = await Promise.all(batch.map((profile) => this.admits(expanded, profile, context)));
      for (let i = 0; i < batch.length; i++) {
        if (!verdicts[i]) continue;
        ids.push(batch[i]._id);
        if (ids.length === limit) return ids;
      }
      if (batch.length < CANDIDATE_BATCH) return ids;
      cursor = batch[batch.length - 1]._id;
    }
  }

  /** How many users match now. */
  async count(condition: Condition, context: AudienceContext): Promise<number> {
    const expanded = await this.expand(condition);
    if (behaviourTerms(expanded).length === 0) return this.profiles.countDocuments(compileProfileFilter(expanded, context, new Map()));
    let total = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = await this.findMatchingUsers(expanded, context, cursor, 1_000);
      total += page.length;
      if (page.length < 1_000) return total;
      cursor = page[page.length - 1];
    }
  }

  /** The first `size` matching user ids, for a preview. */
  async sample(condition: Condition, context: AudienceContext, size: number): Promise<string[]> {
    return this.findMatchingUsers(condition, context, undefined, size);
  }
}

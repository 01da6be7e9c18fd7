// Who is in an audience: conditions compiled to MongoDB queries (condition-query.ts). One user
// check is one profile query plus one counting query per behavioural term; a page of matching
// users is one profile query for candidates, whose behavioural terms are then counted.
import type { Connection } from 'mongoose';
import { evaluateCondition, type BehaviourTerm, type Condition } from '../domain/condition';
import {
  behaviourTerms, compileBehaviourQuery, compileProfileFilter, outsideScope, type AudienceContext, type MongoFilter,
} from '../domain/condition-query';
import { MAX_SEGMENT_DEPTH } from '../domain/segment';
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

/** Candidates read per profile query when behavioural terms must be counted for each. */
const CANDIDATE_BATCH = 100;

/** The scope the in-memory evaluator sees for a stored profile (or a missing one). */
function profileScope(context: AudienceContext, profile: StoredProfile): Record<string, unknown> {
  return {
    ...outsideScope(context),
    user: { id: profile._id, properties: decodeStored(profile.properties) ?? {}, firstSeen: profile.firstSeen, lastSeen: profile.lastSeen },
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

  private async countEvents(term: BehaviourTerm, userId: string, now: number): Promise<boolean> {
    const query = compileBehaviourQuery(term, userId, now);
    const found = await this.connection.collection('events').find(query.filter, { projection: { _id: 1 } }).limit(query.limit).toArray();
    return query.accepts(found.length);
  }

  private async outcomes(condition: Condition, userId: string, now: number): Promise<Map<Condition, boolean>> {
    const terms = behaviourTerms(condition);
    const results = await Promise.all(terms.map((term) => this.countEvents(term, userId, now)));
    return new Map(terms.map((term, i) => [term, results[i]]));
  }

  /** Whether one user is in the audience now; a user without a profile counts as one without properties. */
  async matches(userId: string, condition: Condition, context: AudienceContext): Promise<boolean> {
    const expanded = await this.expand(condition);
    const outcomes = await this.outcomes(expanded, userId, context.now);
    const withoutProfile = evaluateCondition(expanded, profileScope(context, { _id: userId }), { now: context.now, outcomes });
    // One query either way: look for the profile matching, or (when "no profile" would match) for it not matching.
    const filter = compileProfileFilter(withoutProfile ? { not: expanded } : expanded, context, outcomes);
    const found = await this.profiles.findOne({ $and: [{ _id: { $eq: userId } }, filter] }, { projection: { _id: 1 } });
    return withoutProfile ? found === null : found !== null;
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
      const verdicts = await Promise.all(batch.map(async (profile) => {
        const outcomes = await this.outcomes(expanded, profile._id, context.now);
        return evaluateCondition(expanded, profileScope(context, profile), { now: context.now, outcomes });
      }));
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

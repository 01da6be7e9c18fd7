// Who is in an audience. One user check reads that user's records only, each by _id (FerretDB
// on SQLite scans the whole collection for any other filter): the profile, and for behavioural
// terms the user's event history (event-history.ts), then evaluates the condition in memory
// (the evaluator and the compiled profile filter agree; see the property tests). A page of
// matching users walks the profile directory (profile-directory.ts) a chunk of ids at a time
// and checks each of those users the same way.
import { randomInt } from 'node:crypto';
import type { Connection } from 'mongoose';
import { estimateAudience, type ChunkSample } from '../domain/audience-estimate';
import { behaviourOutcome, earliestLookedAt } from '../domain/behaviour';
import { evaluateCondition, type Condition } from '../domain/condition';
import { behaviourTerms, outsideScope, type AudienceContext } from '../domain/condition-query';
import { MAX_SEGMENT_DEPTH } from '../domain/segment';
import type { EventHistory } from './event-history';
import { listedAt, type DirectoryChunk, type DirectoryPlace, type ProfileDirectory } from './profile-directory';
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
  directory?: DirectoryPlace;
}

/** Profiles a preview examines before it estimates (each costs a read of it, and of its history for behavioural terms). */
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

/**
 * Profiles taken from each chunk of the directory when the preview estimates: at least this
 * many, and more when there are too few chunks to reach the bound otherwise.
 */
const PER_CHUNK = 5;

/** `count` ids of a chunk, chosen at random (all of it if it holds no more). */
function pick(ids: string[], count: number): string[] {
  if (ids.length <= count) return ids;
  const chosen = [...ids];
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(chosen.length - i);
    [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
  }
  return chosen.slice(0, count);
}

export class AudienceQuery {
  constructor(
    private readonly connection: Connection,
    private readonly segments: SegmentLookup,
    private readonly history: EventHistory,
    private readonly directory: ProfileDirectory,
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

  /** The profiles of these users that exist, each read by _id. */
  /**
   * These users' stored profiles, in their order, in one command: a directory chunk holds at
   * most 100 ids, and the embedded FerretDB narrows an $in of ids by index (tools/ferretdb/patches).
   * The batch is one larger than the ids, so the first reply holds them all.
   */
  private async read(userIds: string[]): Promise<StoredProfile[]> {
    if (userIds.length === 0) return [];
    const found = await this.profiles.find({ _id: { $in: userIds } }, { batchSize: userIds.length + 1 }).toArray();
    const byId = new Map(found.map((p) => [p._id, p]));
    return userIds.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * Which of the chunk's users' profiles are in the expanded audience, in their order, and how
   * many profiles there were (those listed in another chunk are that chunk's).
   */
  private async admitted(
    expanded: Condition,
    chunk: DirectoryChunk,
    context: AudienceContext,
  ): Promise<{ ids: string[]; examined: number }> {
    const profiles = (await this.read(chunk.ids)).filter((profile) => listedAt(chunk, profile));
    const verdicts = await Promise.all(profiles.map((profile) => this.admits(expanded, profile, context)));
    return { ids: profiles.filter((_, i) => verdicts[i]).map((p) => p._id), examined: profiles.length };
  }

  /**
   * Up to `limit` matching user ids after `afterUserId`, in the profile directory's order, so a
   * caller resumes from the last one. Each chunk of the directory costs a read of it and of each
   * of its profiles (and histories, for behavioural terms): a page costs what it examines.
   */
  async findMatchingUsers(
    condition: Condition,
    context: AudienceContext,
    afterUserId: string | undefined,
    limit: number,
  ): Promise<string[]> {
    if (afterUserId !== undefined && typeof afterUserId !== 'string')
      throw new Error('a user id to resume after must be a string');
    const expanded = await this.expand(condition);
    const ids: string[] = [];
    for await (const chunk of this.directory.idsAfter(afterUserId)) {
      ids.push(...(await this.admitted(expanded, chunk, context)).ids);
      if (ids.length >= limit) return ids.slice(0, limit);
    }
    return ids;
  }

  /**
   * How many users match now, and the first of those it found by id. Exact when the directory
   * holds at most `bound` profiles; past that, a few profiles from each of many chunks of the
   * directory (in random order) are examined until `bound` were, and the share matching among
   * them is extrapolated to all profiles, with a 95% margin (audience-estimate.ts).
   */
  async preview(
    condition: Condition,
    context: AudienceContext,
    sampleSize: number,
    bound = PREVIEW_BOUND,
  ): Promise<AudiencePreview> {
    const expanded = await this.expand(condition);
    const survey = await this.directory.survey();
    const perChunk =
      survey.total <= bound ? Infinity : Math.max(Math.ceil(bound / survey.chunks), Math.min(PER_CHUNK, bound));
    const [chunks, matching]: [ChunkSample[], string[]] = [[], []];
    let [examined, whole] = [0, true];
    for await (const chunk of survey.entries) {
      const picked = pick(chunk.ids, perChunk);
      const found = await this.admitted(expanded, { ...chunk, ids: picked }, context);
      matching.push(...found.ids);
      chunks.push({ examined: found.examined, matched: found.ids.length });
      [examined, whole] = [examined + found.examined, whole && picked.length === chunk.ids.length];
      if (examined >= bound) break;
    }
    const sample = matching.sort().slice(0, sampleSize);
    return whole && chunks.length === survey.chunks
      ? { count: matching.length, exact: true, sample }
      : { ...estimateAudience(survey.total, chunks, survey.chunks), sample };
  }
}

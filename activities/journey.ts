import type { CampaignRepository } from '../src/db/campaigns';
import type { CampaignStatus } from '../src/domain/campaign-gate';
import type { Claims } from '../src/db/claims';
import type { Admission, JourneyRepository } from '../src/db/journeys';
import type { StatsRecorder } from '../src/db/stats-recorder';
import type { Reentry } from '../src/domain/campaign';
import { COUNTER, exitCounter } from '../src/domain/stats';
import type { Logger } from '../src/logger';
import type { Patience, SystemEventWriter } from './system-events';
import { SYSTEM_EVENT } from '../src/domain/system-events';

/** Times (`at`) come from the workflow's clock, so cooldowns follow workflow time, also when a test skips it. */
export interface JourneyIdentity {
  journeyId: string;
  runId: string;
  campaignId: string;
  userId: string;
  /** Depth of the event that triggered the journey; its system events are one deeper. */
  depth: number;
}

/** How long a counted fact is remembered against retries: far past any activity retry. */
const FACT_MEMORY_MS = 30 * 24 * 3_600_000;

export interface JourneyActivityDeps {
  journeys: JourneyRepository;
  systemEvents: SystemEventWriter;
  campaigns: CampaignRepository;
  stats: StatsRecorder;
  claims: Claims;
  logger: Logger;
}

/** The ids a journey's log lines carry; never its event or profile properties. */
function logFields(identity: JourneyIdentity) {
  return {
    journeyId: identity.journeyId,
    runId: identity.runId,
    campaignId: identity.campaignId,
    userId: identity.userId,
  };
}

/** Writes a system event for connected campaigns; the id makes a retried activity write it once, and the answer (new or not) makes it counted once. */
async function emit(
  deps: JourneyActivityDeps,
  identity: JourneyIdentity,
  name: string,
  suffix: string,
  properties: Record<string, string>,
  patience?: Patience,
): Promise<boolean> {
  return deps.systemEvents.write(
    {
      _id: `sys:${identity.journeyId}:${identity.runId}:${suffix}`,
      userId: identity.userId,
      name,
      properties: { campaignId: identity.campaignId, journeyId: identity.journeyId, ...properties },
      timestamp: new Date(),
      depth: identity.depth + 1,
    },
    patience,
  );
}

/** Announces and counts a run's exit once (the system event's id decides). */
async function countExit(
  deps: JourneyActivityDeps,
  identity: JourneyIdentity,
  version: number,
  exit: { outcome: string; reason?: string },
  patience: Patience,
): Promise<void> {
  const { outcome, reason = outcome } = exit;
  if (!(await emit(deps, identity, SYSTEM_EVENT.journeyExited, 'exited', { outcome, reason }, patience))) return;
  deps.stats.count({ campaignId: identity.campaignId, version }, exitCounter(outcome));
  deps.logger.info({ ...logFields(identity), outcome, reason }, 'journey ended');
}

export type AdmitJourneyInput = JourneyIdentity & {
  reentry: Reentry;
  at: number;
  campaignVersion?: number;
  triggerEventId?: string;
};

/**
 * Applies the re-entry rule and admits a trigger event once; an admitted journey announces
 * hookway.journey.entered. `triggerEventId` and `campaignVersion` are absent only in runs
 * started before they were passed; such runs count as version 0.
 */
export async function admitJourney(
  deps: JourneyActivityDeps,
  input: AdmitJourneyInput,
  inAudience?: () => Promise<boolean>,
): Promise<{ admitted: true } | Extract<Admission, { admitted: false }>> {
  const admission = await decideAdmission(deps, input, inAudience);
  if (admission.admitted) await announceEntry(deps, input, admission);
  return admission.admitted ? { admitted: true } : admission;
}

/** The re-entry rule's answer for this run; nothing is announced yet (announceEntry). */
export async function decideAdmission(
  deps: JourneyActivityDeps,
  input: AdmitJourneyInput,
  inAudience?: () => Promise<boolean>,
): Promise<Admission> {
  const { journeyId, runId, campaignId, userId, reentry, triggerEventId } = input;
  const request = { journeyId, runId, campaignId, userId, campaignVersion: input.campaignVersion ?? 0, reentry };
  const admission = await deps.journeys.admit({ ...request, triggerEventId, now: new Date(input.at) }, inAudience);
  if (!admission.admitted && !admission.outOfAudience)
    deps.logger.info({ ...logFields(input), reason: admission.reason }, 'journey not admitted');
  return admission;
}

/**
 * Announces an admitted run: hookway.journey.entered, counted once, and the exit of a run it
 * replaced (terminated, or replaced by a restart, without recording its end).
 */
export async function announceEntry(
  deps: JourneyActivityDeps,
  input: AdmitJourneyInput,
  admission: Extract<Admission, { admitted: true }>,
  patience: Patience = 'beforeSend',
): Promise<void> {
  const { campaignId, reentry } = input;
  const version = input.campaignVersion ?? 0;
  if (admission.replaced)
    await countExit(
      deps,
      { ...input, runId: admission.replaced.runId },
      admission.replaced.campaignVersion,
      { outcome: reentry.mode === 'restart' ? 'replaced' : 'terminated' },
      patience,
    );
  if (await emit(deps, input, SYSTEM_EVENT.journeyEntered, 'entered', {}, patience)) {
    deps.stats.count({ campaignId, version }, COUNTER.entered);
    deps.logger.info({ ...logFields(input), campaignVersion: version }, 'journey entered');
  }
}

/**
 * Counts something a workflow decided without an activity of its own (a webhook held by
 * quiet hours, skipped by a cap), once per `factId` of this run however often it is retried.
 */
async function countJourneyFact(
  deps: JourneyActivityDeps,
  input: JourneyIdentity & { counter: typeof COUNTER.heldQuietHours | typeof COUNTER.capped; factId: string },
): Promise<void> {
  const version = await deps.journeys.versionOf(input.journeyId);
  const id = `count:${input.journeyId}:${input.runId}:${input.counter}:${input.factId}`;
  if (!(await deps.claims.claim(id, 'stats-fact', new Date(Date.now() + FACT_MEMORY_MS)))) return;
  deps.stats.count({ campaignId: input.campaignId, version }, input.counter);
  deps.logger.info({ ...logFields(input), counter: input.counter, factId: input.factId }, 'journey counted');
}

async function recordConversion(
  deps: JourneyActivityDeps,
  input: JourneyIdentity & { eventId: string },
): Promise<void> {
  const { journeyId, runId, campaignId, userId, eventId } = input;
  const version = await deps.journeys.versionOf(journeyId);
  const counted = await deps.journeys.recordConversion(`${journeyId}:${runId}`, {
    campaignId,
    userId,
    journeyId,
    eventId,
    at: new Date(),
  });
  if (!counted) return;
  deps.stats.count({ campaignId, version }, COUNTER.conversions);
  deps.logger.info({ ...logFields(input), eventId }, 'goal reached');
  await emit(deps, input, SYSTEM_EVENT.goalReached, 'goal', { eventId });
}

export type JourneyEnd = JourneyIdentity & { outcome: string; reason?: string; at: number };

/** Records a run's end, with its outcome, and announces and counts its exit once. */
export async function recordJourneyEnd(deps: JourneyActivityDeps, input: JourneyEnd): Promise<void> {
  // The version is known before the write that decides the counting, so a failed read cannot lose the count.
  const version =
    (await deps.journeys.ended(input.journeyId, input.runId, input.outcome, new Date(input.at)))?.version ?? 0;
  // Nothing waits for a journey's end but its workflow's completion.
  await countExit(deps, input, version, input, 'afterSend');
}

export function createJourneyActivities(deps: JourneyActivityDeps) {
  return {
    /** The campaign's lifecycle status now: a paused campaign holds its journeys before each webhook. */
    async campaignStatus(input: { campaignId: string }): Promise<CampaignStatus | undefined> {
      return deps.campaigns.status(input.campaignId);
    },
    admitJourney: (input: AdmitJourneyInput) => admitJourney(deps, input),
    journeyEnded: (input: JourneyEnd) => recordJourneyEnd(deps, input),
    countJourneyFact: (input: Parameters<typeof countJourneyFact>[1]) => countJourneyFact(deps, input),
    recordConversion: (input: JourneyIdentity & { eventId: string }) => recordConversion(deps, input),
  };
}

// The re-entry rule, whole: which journey an event belongs to, how a trigger reaches it, and
// whether a new run may enter. The hand-off (src/temporal/journeys.ts) and the journey's
// admission (src/db/journeys.ts, through the admitJourney activity) both follow it.
import type { Campaign, Reentry } from './campaign';
import { parseDuration } from './duration';
import type { JourneyEvent } from './event';
import { journeyWorkflowId } from './journey-id';
import { readPath } from './paths';

/** The journey an event belongs to; parallel campaigns run one per value of their key (e.g. per order). */
export function journeyIdFor(campaign: Campaign, event: JourneyEvent): string {
  const base = journeyWorkflowId(campaign.id, event.userId);
  if (campaign.reentry.mode !== 'parallel') return base;
  const key = readPath({ event }, campaign.reentry.key);
  return `${base}/${key === undefined || key === null ? 'none' : String(key)}`;
}

/**
 * How a trigger reaches its journey: `restart` replaces a running one; the other modes start one
 * when none runs, else tell the running one, which ignores an event id it has seen.
 */
export function triggerHandOff(reentry: Reentry): 'replace' | 'startOrSignal' {
  return reentry.mode === 'restart' ? 'replace' : 'startOrSignal';
}

/** Whether a user may have several running journeys of the campaign (parallel: one per key). */
export function manyRunsPerUser(reentry: Reentry): boolean {
  return reentry.mode === 'parallel';
}

/**
 * Why a new run may not enter, given the journey's previous run (undefined: it may). `once`
 * admits no second run; `afterCompletion` waits out its cooldown after the previous run ended.
 */
export function entryRefusal(reentry: Reentry, previous: { endedAt?: Date } | null, now: Date): string | undefined {
  if (previous && reentry.mode === 'once') return 'already entered once';
  if (previous?.endedAt && reentry.mode === 'afterCompletion' && reentry.cooldown) {
    const readyAt = previous.endedAt.getTime() + parseDuration(reentry.cooldown)!;
    if (now.getTime() < readyAt) return `cooling down until ${new Date(readyAt).toISOString()}`;
  }
  return undefined;
}

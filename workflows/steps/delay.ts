// The delay step: waits a duration, until a local time of day, or until a date a profile
// property holds. An exit or a goal that exits ends the wait early.
import type { Step } from '../../src/domain/campaign';
import { MAX_DURATION_MS, parseDuration, parseOffset } from '../../src/domain/duration';
import { nextLocalTime, zoneOr } from '../../src/domain/local-time';
import { readPath } from '../../src/domain/paths';
import { journeyScope } from '../../src/domain/scope';
import { exitResult, waitOrExit } from '../guards/exit-and-goal';
import type { JourneyContext } from '../journey-context';
import { missingOffsetMs } from '../legacy-paths';
import type { StepOutcome } from './outcome';

type DelayStep = Extract<Step, { type: 'delay' }>;

export async function runDelay(ctx: JourneyContext, step: DelayStep): Promise<StepOutcome> {
  const ms = await delayMs(ctx, step);
  return ms > 0 && (await waitOrExit(ctx, ms, 'delay')) ? exitResult(ctx) : {};
}

/** Milliseconds the step waits. */
async function delayMs(ctx: JourneyContext, step: DelayStep): Promise<number> {
  if (step.duration) return parseDuration(step.duration)!;
  const { campaign, userId, identity, db } = ctx;
  const properties = await db.loadUserProperties({ userId });
  const now = Date.now();
  if (step.until) {
    const zone = ctx.paths.fatigue
      ? (await db.userTimeZone({ journeyId: identity.journeyId, userId, timeZone: campaign.timeZone })).zone
      : zoneOr(properties[campaign.timeZone.property], campaign.timeZone.default ?? 'UTC');
    return nextLocalTime(now, step.until, step.weekdays, zone) - now;
  }
  const value = readPath(journeyScope(ctx.ref(), properties), step.untilField!);
  const at = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  // A missing or unreadable date does not hold the journey up.
  if (Number.isNaN(at)) return 0;
  const offset = step.offset !== undefined ? parseOffset(step.offset)! : missingOffsetMs(ctx.paths.current);
  return Math.min(Math.max(0, at + offset - now), MAX_DURATION_MS);
}

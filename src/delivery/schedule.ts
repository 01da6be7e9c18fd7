import { parseDuration } from '../domain/duration';

/** Up to this much is added to each scheduled delay, so a burst of failures does not retry in lockstep. */
const JITTER = 0.2;

/**
 * The wait before the next attempt, after `attemptsMade` attempts failed; undefined when the
 * schedule is used up. A receiver's Retry-After, when given, replaces the scheduled delay.
 */
export function nextAttemptDelayMs(
  retryDelays: string[],
  attemptsMade: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number | undefined {
  if (attemptsMade > retryDelays.length) return undefined;
  if (retryAfterMs !== undefined) return retryAfterMs;
  const base = parseDuration(retryDelays[attemptsMade - 1])!;
  return Math.round(base * (1 + JITTER * random()));
}

import { ApplicationFailure } from '@temporalio/activity';
import { SegmentResolutionError, type AudienceContext, type AudienceQuery } from '../src/db/audience';
import type { ProfileRepository } from '../src/db/profiles';
import type { Condition } from '../src/domain/condition';
import type { Properties } from '../src/domain/event';
import { journeyScope, type JourneyRef } from '../src/domain/scope';

export interface CheckAudienceInput extends JourneyRef {
  audience: Condition;
}

export interface ChooseBranchInput extends JourneyRef {
  conditions: Condition[];
}

/** Everything but the user comes from the journey; the trigger event is what valueFrom reads. */
function audienceContext(ref: JourneyRef): AudienceContext {
  const { user: _user, ...scope } = journeyScope(ref, undefined);
  return { event: ref.trigger, now: Date.now(), scope };
}

/** A segment that vanished or now forms a cycle will not heal by retrying: the journey fails, visibly. */
export async function orFail<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SegmentResolutionError) throw ApplicationFailure.nonRetryable(err.message, 'SegmentResolution');
    throw err;
  }
}

export function createAudienceActivities(deps: { profiles: ProfileRepository; audience: AudienceQuery }) {
  return {
    /** Reads the profile and the user's events as they are now, not as they were when the journey started. */
    async checkAudience(input: CheckAudienceInput): Promise<boolean> {
      return orFail(() => deps.audience.matches(input.userId, input.audience, audienceContext(input)));
    },

    /** The index of the first condition the user matches now, or -1: a branch on events or segments. */
    async chooseBranch(input: ChooseBranchInput): Promise<number> {
      const context = audienceContext(input);
      return orFail(async () => {
        for (const [i, condition] of input.conditions.entries()) {
          if (await deps.audience.matches(input.userId, condition, context)) return i;
        }
        return -1;
      });
    },

    /** The user's properties now, for a branch that looks at the profile. */
    async loadUserProperties(input: { userId: string }): Promise<Properties> {
      return ((await deps.profiles.get(input.userId))?.properties ?? {}) as Properties;
    },
  };
}

import type { AudienceQuery } from '../src/db/audience';
import type { ProfileRepository } from '../src/db/profiles';
import type { Condition } from '../src/domain/condition';
import type { Properties } from '../src/domain/event';
import { journeyScope, type JourneyRef } from '../src/domain/scope';

export interface CheckAudienceInput extends JourneyRef {
  audience: Condition;
}

export function createAudienceActivities(deps: { profiles: ProfileRepository; audience: AudienceQuery }) {
  return {
    /** Reads the profile and the user's events as they are now, not as they were when the journey started. */
    async checkAudience(input: CheckAudienceInput): Promise<boolean> {
      // Everything but the user comes from the journey; the trigger event is what valueFrom reads.
      const { user: _user, ...scope } = journeyScope(input, undefined);
      return deps.audience.matches(input.userId, input.audience, { event: input.trigger, now: Date.now(), scope });
    },

    /** The user's properties now, for a branch that looks at the profile. */
    async loadUserProperties(input: { userId: string }): Promise<Properties> {
      return ((await deps.profiles.get(input.userId))?.properties ?? {}) as Properties;
    },
  };
}

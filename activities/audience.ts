import type { ProfileRepository } from '../src/db/profiles';
import { evaluateCondition, type Condition } from '../src/domain/condition';
import type { Properties } from '../src/domain/event';
import type { JourneyRef } from '../src/domain/scope';
import { loadScope } from './scope';

export interface CheckAudienceInput extends JourneyRef {
  audience: Condition;
}

export function createAudienceActivities(deps: { profiles: ProfileRepository }) {
  return {
    /** Reads the profile as it is now, not as it was when the journey started. */
    async checkAudience(input: CheckAudienceInput): Promise<boolean> {
      return evaluateCondition(input.audience, await loadScope(deps.profiles, input));
    },

    /** The user's properties now, for a branch that looks at the profile. */
    async loadUserProperties(input: { userId: string }): Promise<Properties> {
      return ((await deps.profiles.get(input.userId))?.properties ?? {}) as Properties;
    },
  };
}

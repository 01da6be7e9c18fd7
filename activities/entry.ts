// A journey's entry checks as one local activity when its campaign has an audience: the
// audience, then (for a user in it) the admission. One SDK round trip, one marker in the
// journey's history and one payload through the codec fewer than asking them one by one.
import type { CheckAudienceInput } from './audience';
import type { AdmitJourneyInput } from './journey';

export interface EntryInput {
  audience: CheckAudienceInput;
  admission: AdmitJourneyInput;
}

/** Out of the audience (nothing admitted), or in it with the admission's answer. */
export type Entry = { inAudience: false } | { inAudience: true; admitted: boolean; reason?: string };

export function createEntryActivities(steps: {
  checkAudience(input: CheckAudienceInput): Promise<boolean>;
  admitJourney(input: AdmitJourneyInput): Promise<{ admitted: boolean; reason?: string }>;
}) {
  return {
    async enterIfInAudience(input: EntryInput): Promise<Entry> {
      if (!(await steps.checkAudience(input.audience))) return { inAudience: false };
      return { inAudience: true, ...(await steps.admitJourney(input.admission)) };
    },
  };
}

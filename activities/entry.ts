// A journey's entry checks as one local activity when its campaign has an audience: the
// admission, with the audience checked inside it before anything is written. One SDK round
// trip, one marker in the journey's history and one payload through the codec fewer than
// asking them one by one.
import type { CheckAudienceInput } from './audience';
import { admitJourney, type AdmitJourneyInput, type JourneyActivityDeps } from './journey';

export interface EntryInput {
  audience: CheckAudienceInput;
  admission: AdmitJourneyInput;
}

/** Out of the audience (nothing admitted), or in it with the admission's answer. */
export type Entry = { inAudience: false } | { inAudience: true; admitted: boolean; reason?: string };

/**
 * The audience is asked after the admission's first read, so a retried call for a run an
 * earlier attempt admitted stays admitted, even if the user has left the audience since.
 */
async function enterIfInAudience(
  deps: JourneyActivityDeps,
  checkAudience: (input: CheckAudienceInput) => Promise<boolean>,
  input: EntryInput,
): Promise<Entry> {
  const admission = await admitJourney(deps, input.admission, () => checkAudience(input.audience));
  if (admission.admitted) return { inAudience: true, admitted: true };
  return admission.outOfAudience
    ? { inAudience: false }
    : { inAudience: true, admitted: false, reason: admission.reason };
}

export function createEntryActivities(
  deps: JourneyActivityDeps,
  checkAudience: (input: CheckAudienceInput) => Promise<boolean>,
) {
  return {
    enterIfInAudience: (input: EntryInput) => enterIfInAudience(deps, checkAudience, input),
  };
}

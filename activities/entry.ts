// A journey's entry as one local activity: the admission, with the campaign's audience checked
// inside it before anything is written, and, for a first step that is a webhook, that step's
// send check (which stores the delivery when it lets it go out). One SDK round trip, one marker
// in the journey's history and one payload through the codec instead of two or three.
import type { CheckAudienceInput } from './audience';
import { announceEntry, decideAdmission, type AdmitJourneyInput, type JourneyActivityDeps } from './journey';
import type { SendStep, SendStepInput } from './send-step';
import type { Patience } from './system-events';

export interface EntryInput {
  audience?: CheckAudienceInput;
  admission: AdmitJourneyInput;
  /** The first webhook's send check, made once the journey is admitted. */
  firstSend?: SendStepInput;
}

/** Out of the audience (nothing admitted), or in it with the admission's answer and the first send check. */
export type Entry =
  { inAudience: false } | { inAudience: true; admitted: boolean; reason?: string; firstSend?: SendStep };

export interface EntrySteps {
  checkAudience(input: CheckAudienceInput): Promise<boolean>;
  checkSendAndPrepare(input: SendStepInput): Promise<SendStep>;
}

/** The entry's answer and, for an admitted run, the write of its announcement, still under way. */
export interface Entering {
  entry: Entry;
  announced?: Promise<void>;
}

/**
 * The audience is heeded only after the admission's first read, so a retried call for a run an
 * earlier attempt admitted stays admitted, even if the user has left the audience since; the
 * send check is asked again on a retry, and finds its reserved slot by the delivery's key.
 * The entry is announced (a system event) while the send check runs: neither needs the other.
 * The caller awaits `announced` before its activity ends, so a retry is what a lost write costs.
 */
export async function enterWhileAnnouncing(
  deps: JourneyActivityDeps,
  steps: EntrySteps,
  input: EntryInput,
  patience: Patience,
): Promise<Entering> {
  const { audience, firstSend } = input;
  const admission = await decideAdmission(deps, input.admission, audience && (() => steps.checkAudience(audience)));
  if (!admission.admitted)
    return {
      entry: admission.outOfAudience
        ? { inAudience: false }
        : { inAudience: true, admitted: false, reason: admission.reason },
    };
  const announced = announceEntry(deps, input.admission, admission, patience);
  // Handled here, so that it fails the caller's await, not the process, while the check runs.
  announced.catch(() => undefined);
  const check = firstSend && (await steps.checkSendAndPrepare(firstSend));
  return { entry: { inAudience: true, admitted: true, ...(check && { firstSend: check }) }, announced };
}

/** The entry, announced, as one local activity whose answer the first webhook waits for. */
async function enterAndCheck(deps: JourneyActivityDeps, steps: EntrySteps, input: EntryInput): Promise<Entry> {
  const { entry, announced } = await enterWhileAnnouncing(deps, steps, input, 'beforeSend');
  await announced;
  return entry;
}

export function createEntryActivities(deps: JourneyActivityDeps, steps: EntrySteps) {
  return {
    enterAndCheck: (input: EntryInput) => enterAndCheck(deps, steps, input),
  };
}

// Every path kept only so that journeys started by older code replay with the commands they
// recorded. Each helper names one patch; patched() is asked where the old code differed, never
// earlier, because the marker it writes sits among the journey's other commands. A journey on
// the current paths (startsOnCurrentPaths) asks none of them: `current` answers for all.
//
// Retiring one: once no journey started before the patch can still be running (a journey lives
// at most its delays and waits, each capped at MAX_DURATION_MS, plus its goal window), replace
// patched() by deprecatePatch() for one release, then delete the helper and its old branch. The
// replay fixtures recorded before the patch (test/fixtures/histories/*.json without the patch's
// name) go with it.
import { patched } from '@temporalio/workflow';

/**
 * The newest generation of journey code, which the starter writes into a journey's input. A
 * journey of generation 1 or later takes the newest path of every helper below without asking
 * anything: its input, part of its history, says which code started it, so it needs no marker.
 * Folding a future patch the same way: take its newest path from generation 2 on, and bump this.
 */
export const JOURNEY_GENERATION = 2;

/**
 * Whether the journey takes the current paths. Each patch a journey asks costs a marker in its
 * history and, from the SDK, an upsert of the TemporalChangeVersion search attribute (a
 * visibility write in Temporal). Journeys started on 2026-12-07 before generations ask one patch,
 * `current-paths`, first thing, which stands for all the helpers below; journeys started before
 * that ask each patch where they always did (`current-paths` is false for them: their history
 * has no marker at its start).
 */
export function startsOnCurrentPaths(generation: number | undefined): boolean {
  return (generation ?? 0) >= 1 || patched('current-paths');
}

/**
 * Journeys started before 2026-11-28 called their short MongoDB steps as activities on the task
 * queue; since then they run as local activities. Can go with the fixtures recorded before it.
 */
export function usesLocalActivities(current: boolean): boolean {
  return current || patched('local-activities');
}

/**
 * Journeys started before fatigue control (2026-11-28) neither plan sends (quiet hours, send
 * windows, caps) nor set the JourneyState search attribute, and read the user's zone themselves.
 */
export function hasFatigueControl(current: boolean): boolean {
  return current || patched('fatigue-control');
}

/**
 * An untilField delay without an offset: runs before 2026-11-28 read the missing offset as NaN
 * and did not wait at all; since then it means no offset.
 */
export function missingOffsetMs(current: boolean): number {
  return current || patched('until-field-without-offset') ? 0 : Number.NaN;
}

/**
 * Branches on events, segments or profile timestamps choose through an activity since
 * 2026-11-28; before, every branch read the profile and evaluated its cases in the workflow.
 */
export function branchesQueryDatabase(current: boolean): boolean {
  return current || patched('branch-audience-query');
}

/**
 * Journeys started before 2026-12-06 kept JourneyState="running" after they ended; since then
 * an ended journey shows `ended`.
 */
export function marksEndedState(current: boolean): boolean {
  return current || patched('journey-ended-state');
}

/**
 * Journeys started before 2026-12-07 asked a webhook's send rules in three activities (campaign
 * status, plan, reservation); since then in one, checkSend.
 */
export function checksSendAtOnce(current: boolean): boolean {
  return current || patched('send-check-at-once');
}

/**
 * Journeys started before 2026-12-07 (later that day) asked more activities: the audience and
 * the admission one by one, and a webhook's delivery stored after its send check. Since then
 * the entry is one activity (enterAndCheck: audience, admission and, for a first webhook no
 * exit or goal can pre-empt, its send check) and the send check stores the delivery when it
 * lets the webhook go out now (checkSendAndPrepare). One patch for all, asked at whichever
 * comes first, so a journey pays for one marker.
 */
export function mergesChecks(current: boolean): boolean {
  return current || patched('merged-checks');
}

/**
 * Journeys of generation 2 on (started from 2026-12-08) make their first webhook's first
 * attempt in the entry's activity (enterAndSend, on the task queue), which also records the end
 * of a journey that webhook completes; earlier ones enter in a local activity (enterAndCheck),
 * send with deliverWebhook and record their end with journeyEnded. Asked of the input, so it
 * needs no marker; it goes once no journey of generation 1 can still be running.
 */
export function attemptsFirstWebhookAtEntry(generation: number | undefined): boolean {
  return (generation ?? 0) >= 2;
}

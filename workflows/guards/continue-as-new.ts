// A workflow's history must stay short: past a limit a journey or a fan-out continues as a new
// run, carrying what it knows, so its history starts again from empty.
import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { JourneyInput, JourneyResult } from '../journey-api';
import type { JourneyContext } from '../journey-context';

/** A run continues as new past this many history events (Temporal suggests it at 4,096 and stops runs at 51,200). */
const HISTORY_LIMIT = 2_000;
/** Event ids a continued journey still de-duplicates; older repeats are far beyond any retry. */
const SEEN_EVENTS_CARRIED = 1_000;

/** Whether this run's history has grown long enough to continue as new. */
export function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_LIMIT;
}

/** Continues the journey as a new run that starts at `stepId` (once historyIsLong()). */
export async function continueJourney(ctx: JourneyContext, stepId: string): Promise<void> {
  await condition(allHandlersFinished);
  const { campaign, userId, trigger, campaignVersion, generation } = ctx.input;
  await continueAsNew<(input: JourneyInput) => Promise<JourneyResult>>({
    campaign,
    userId,
    trigger,
    campaignVersion,
    generation,
    resume: {
      stepId,
      firstRunId: ctx.identity.runId,
      steps: ctx.state.steps,
      seenEventIds: [...ctx.seenEvents].slice(-SEEN_EVENTS_CARRIED),
      pendingEvents: ctx.inbox.filter((e) => e.seq > ctx.consumed).map((e) => e.event),
      enteredAt: ctx.enteredAt,
      lastWebhookAt: ctx.lastWebhookAt,
      goalEvent: ctx.goalEvent,
      conversionRecorded: ctx.conversionRecorded,
    },
  });
}

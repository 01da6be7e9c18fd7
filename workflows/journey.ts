// The journey interpreter: one workflow per (campaign, user). It runs the campaign definition
// frozen into its input, so later edits never change a running journey. A small state machine:
// the entry checks, then one step at a time (workflows/steps/, one module per step type) with
// the guards that cut across steps (workflows/guards/), then the end, recorded once.
// Deterministic: only @temporalio/workflow and pure domain code.
import {
  CancellationScope,
  isCancellation,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JourneyIdentity } from '../activities/journey';
import { nextStepId } from '../src/domain/step-graph';
import { continueJourney, historyIsLong } from './guards/continue-as-new';
import { exitResult, finish, recordGoal } from './guards/exit-and-goal';
import { stateQuery, type JourneyInput, type JourneyResult } from './journey-api';
import { JOURNEY_STATE, JOURNEY_STEP } from './search-attributes';
import { journeySteps } from './journey-activities';
import { enter } from './entry';
import { JourneyContext, type FirstSend } from './journey-context';
import { hasFatigueControl, startsOnCurrentPaths, usesLocalActivities } from './legacy-paths';
import { runStep } from './steps';

export async function journey(input: JourneyInput): Promise<JourneyResult> {
  const { campaign, trigger, resume } = input;
  // First, before any other command: whether this journey started on the current paths.
  const current = startsOnCurrentPaths(input.generation);
  const { workflowId, runId } = workflowInfo();
  // A continued journey keeps the identity of its first run, under which it was admitted.
  const identity: JourneyIdentity = {
    journeyId: workflowId,
    runId: resume?.firstRunId ?? runId,
    campaignId: campaign.id,
    userId: input.userId,
    depth: trigger.depth ?? 0,
  };
  // Answers until the journey proper starts and registers its own state.
  setHandler(stateQuery, () => ({ waitingFor: 'entry checks', eventsReceived: 0, steps: {} }));
  const db = journeySteps(usesLocalActivities(current));
  let firstSend: FirstSend | undefined;
  if (!resume) {
    const entered = await enter(input, identity, db, current);
    if (entered.refused) return refused(input, entered.refused);
    firstSend = entered.firstSend;
  }
  const paths = { fatigue: hasFatigueControl(current), current, generation: input.generation ?? 0 };
  const ctx = new JourneyContext(input, identity, db, paths, firstSend);
  try {
    const result = await run(ctx);
    ctx.markEnded();
    if (!(ctx.endRecorded && result.outcome === 'completed'))
      await db.journeyEnded({ ...identity, outcome: result.outcome, reason: result.reason, at: Date.now() });
    return result;
  } catch (err) {
    if (isCancellation(err)) {
      ctx.markEnded();
      await CancellationScope.nonCancellable(() =>
        db.journeyEnded({ ...identity, outcome: 'cancelled', at: Date.now() }),
      );
    }
    throw err;
  }
}

/**
 * A journey refused at entry. One started showing its first step (journeyStart) shows ended,
 * on no step; older ones never showed either.
 */
function refused(input: JourneyInput, result: JourneyResult): JourneyResult {
  if ((input.generation ?? 0) >= 1)
    upsertSearchAttributes([
      { key: JOURNEY_STATE, value: 'ended' },
      { key: JOURNEY_STEP, value: null },
    ]);
  return result;
}

/** Runs the steps from the first (or where a previous run stopped) until one ends the journey or none is left. */
async function run(ctx: JourneyContext): Promise<JourneyResult> {
  ctx.listen();
  const { steps } = ctx.campaign;
  const indexOf = new Map(steps.map((s, i) => [s.id, i]));
  let index: number | undefined = ctx.input.resume ? indexOf.get(ctx.input.resume.stepId) : 0;
  while (index !== undefined) {
    if (ctx.exited()) return exitResult(ctx);
    // Calls with nothing to do are skipped, not made: every promise a workflow creates costs
    // the worker a captured stack trace (the SDK keeps them for the stack-trace query).
    const goal = ctx.unrecordedGoal();
    if (goal) await recordGoal(ctx, goal);
    const step = steps[index];
    if (historyIsLong()) await continueJourney(ctx, step.id);
    ctx.beginStep(step.id);
    const result = await runStep(ctx, step);
    if ('outcome' in result) return result;
    const nextId = nextStepId(steps, index, result.target);
    index = nextId === undefined ? undefined : indexOf.get(nextId);
  }
  return finish(ctx);
}

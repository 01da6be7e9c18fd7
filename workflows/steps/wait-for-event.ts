// The waitForEvent step: takes the first matching event received since the step before began
// and not taken by an earlier wait, or takes the timeout path.
import type { Step } from '../../src/domain/campaign';
import { parseDuration } from '../../src/domain/duration';
import { eventView } from '../../src/domain/journey-state';
import { exitResult, waitOrExit } from '../guards/exit-and-goal';
import { matches, type JourneyContext } from '../journey-context';
import type { StepOutcome } from './outcome';

export async function runWaitForEvent(
  ctx: JourneyContext,
  step: Extract<Step, { type: 'waitForEvent' }>,
): Promise<StepOutcome> {
  // An event that arrived while the step before ran (say, during a webhook send) still counts.
  const from = Math.max(ctx.previousStepFrom, ctx.consumed);
  const awaited = () => ctx.inbox.find((e) => e.seq > from && matches(step, e.event));
  const timeout = parseDuration(step.timeout)!;
  if (await waitOrExit(ctx, timeout, `event ${step.event}`, () => awaited() !== undefined))
    return await exitResult(ctx);
  const answer = awaited();
  if (!answer) return { target: step.onTimeout };
  ctx.consumed = answer.seq;
  ctx.state.steps[step.id] = { event: eventView(answer.event) };
  return { target: step.onEvent };
}

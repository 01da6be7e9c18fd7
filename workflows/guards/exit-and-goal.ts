// Exit events and goals cut across every step: any wait ends early when one arrives, a reached
// goal is recorded once, and the journey's result says which of them ended it.
import { condition } from '@temporalio/workflow';
import { parseDuration } from '../../src/domain/duration';
import type { JourneyEvent } from '../../src/domain/event';
import type { JourneyResult } from '../journey-api';
import type { JourneyContext } from '../journey-context';
import type { JourneyPhase } from '../search-attributes';

/** Records the conversion of `goal`, ctx.unrecordedGoal(): once per journey, however many runs it spans. */
export async function recordGoal(ctx: JourneyContext, goal: JourneyEvent): Promise<void> {
  ctx.conversionRecorded = true;
  await ctx.db.recordConversion({ ...ctx.identity, eventId: goal.id });
}

/** How a journey that exited() ends: by its exit event, or by a goal that exits. */
export async function exitResult(ctx: JourneyContext): Promise<JourneyResult> {
  const goal = ctx.unrecordedGoal();
  if (goal) await recordGoal(ctx, goal);
  return ctx.exitEvent
    ? { outcome: 'exited', reason: `event:${ctx.exitEvent.name}` }
    : { outcome: 'goalReached', reason: `event:${ctx.goalEvent!.name}` };
}

/** Waits up to `ms` or until `until()`, ending early on an exit; true when the journey must exit. */
export async function waitOrExit(
  ctx: JourneyContext,
  ms: number,
  what: string,
  until: () => boolean = () => false,
  waiting: JourneyPhase = 'waiting',
): Promise<boolean> {
  ctx.state.waitingFor = `${what} until ${new Date(Date.now() + ms).toISOString()}`;
  ctx.enterPhase(waiting);
  await condition(() => ctx.exited() || until(), ms);
  ctx.state.waitingFor = undefined;
  ctx.enterPhase('running');
  return ctx.exited();
}

/** After the last step: the conversion window may still be open, so stay to count a late goal. */
export async function finish(ctx: JourneyContext): Promise<JourneyResult> {
  const { goal } = ctx.campaign;
  if (goal && !ctx.goalEvent && ctx.goalOpen()) {
    const left = ctx.enteredAt + parseDuration(goal.within)! - Date.now();
    await waitOrExit(ctx, left, `goal ${goal.event}`, () => ctx.goalEvent !== undefined);
  }
  const reached = ctx.unrecordedGoal();
  if (reached) await recordGoal(ctx, reached);
  if (ctx.exitEvent) return exitResult(ctx);
  return ctx.goalEvent ? { outcome: 'goalReached', reason: `event:${ctx.goalEvent.name}` } : { outcome: 'completed' };
}

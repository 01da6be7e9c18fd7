// The branch step: the first case whose condition holds names the next step, else the default.
import type { Step } from '../../src/domain/campaign';
import { evaluateCondition, needsDatabase } from '../../src/domain/condition';
import { journeyScope } from '../../src/domain/scope';
import type { JourneyContext } from '../journey-context';
import { branchesQueryDatabase } from '../legacy-paths';
import type { StepOutcome } from './outcome';

export async function runBranch(ctx: JourneyContext, step: Extract<Step, { type: 'branch' }>): Promise<StepOutcome> {
  // Conditions on events, segments or the profile's timestamps are evaluated by an activity.
  if (step.cases.some((c) => needsDatabase(c.when)) && branchesQueryDatabase(ctx.paths.current)) {
    const index = await ctx.db.chooseBranch({ ...ctx.ref(), conditions: step.cases.map((c) => c.when) });
    return { target: index >= 0 ? step.cases[index].next : step.default };
  }
  // Conditions on the user read the profile as it is now, not as it was at entry.
  const scope = journeyScope(ctx.ref(), await ctx.db.loadUserProperties({ userId: ctx.userId }));
  return { target: step.cases.find((c) => evaluateCondition(c.when, scope))?.next ?? step.default };
}

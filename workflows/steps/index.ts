// One module per step type; this picks the one a step needs.
import type { Step } from '../../src/domain/campaign';
import type { JourneyContext } from '../journey-context';
import { runBranch } from './branch';
import { runDelay } from './delay';
import { runExit } from './exit';
import type { StepOutcome } from './outcome';
import { runWaitForEvent } from './wait-for-event';
import { runWebhook } from './webhook';

export type { StepOutcome } from './outcome';

export function runStep(ctx: JourneyContext, step: Step): Promise<StepOutcome> {
  switch (step.type) {
    case 'delay':
      return runDelay(ctx, step);
    case 'webhook':
      return runWebhook(ctx, step);
    case 'waitForEvent':
      return runWaitForEvent(ctx, step);
    case 'branch':
      return runBranch(ctx, step);
    case 'exit':
      return Promise.resolve(runExit(step));
  }
}

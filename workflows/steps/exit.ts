// The exit step: ends the journey with the step's reason.
import type { Step } from '../../src/domain/campaign';
import type { StepOutcome } from './outcome';

export function runExit(step: Extract<Step, { type: 'exit' }>): StepOutcome {
  return { outcome: 'exited', step: step.id, reason: step.reason };
}

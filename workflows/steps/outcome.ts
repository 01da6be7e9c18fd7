import type { JourneyResult } from '../journey-api';

/** What a step leads to: the path it takes (no target: the default path), or how the journey ends. */
export type StepOutcome = { target?: string } | JourneyResult;

export { journey, eventSignal } from './journey';
export type { JourneyInput, JourneyResult, JourneyOutcome } from './journey';

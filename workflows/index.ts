export { journey, eventSignal, resumeSignal, stateQuery } from './journey';
export { redelivery } from './redelivery';
export type { JourneyInput, JourneyResult, JourneyOutcome, JourneyState } from './journey';

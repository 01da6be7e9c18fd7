export { journey, eventSignal, resumeSignal, stateQuery } from './journey';
export { redelivery } from './redelivery';
export { purgeEvents } from './purge-events';
export type { JourneyInput, JourneyResult, JourneyOutcome, JourneyState } from './journey';

export { journey } from './journey';
export { eventSignal, resumeSignal, stateQuery } from './journey-api';
export { redelivery } from './redelivery';
export { fanOut, fanOutProgressQuery } from './fan-out';
export { purgeEvents } from './purge-events';
export type { JourneyInput, JourneyResult, JourneyOutcome, JourneyState } from './journey-api';

export { journey, eventSignal } from './journey';
export { redelivery } from './redelivery';
export type { JourneyInput, JourneyResult, JourneyOutcome } from './journey';

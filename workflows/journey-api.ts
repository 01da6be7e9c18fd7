// What the rest of Hookway sees of a journey: its input, its result, the signals it takes and
// the query it answers. Kept apart from the interpreter so callers import no workflow code.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Campaign } from '../src/domain/campaign';
import type { JourneyEvent } from '../src/domain/event';
import type { StepContexts } from '../src/domain/journey-state';

export interface JourneyInput {
  campaign: Campaign;
  userId: string;
  trigger: JourneyEvent;
  /** The campaign version the journey follows, for its stats (absent in journeys started before it was passed). */
  campaignVersion?: number;
  /** Set when a long journey continued as a new run: where it was and what it knew. */
  resume?: ResumeState;
  /**
   * The generation of journey code its starter knew (JOURNEY_GENERATION in legacy-paths.ts);
   * absent in journeys started before generations, which ask patched() instead.
   */
  generation?: number;
}

/** What a journey carries into its next run when its history grows long. */
export interface ResumeState {
  stepId: string;
  firstRunId: string;
  steps: StepContexts;
  seenEventIds: string[];
  pendingEvents: JourneyEvent[];
  enteredAt: number;
  lastWebhookAt: number;
  goalEvent?: JourneyEvent;
  conversionRecorded: boolean;
}

export type JourneyOutcome = 'completed' | 'notInAudience' | 'notAdmitted' | 'webhookFailed' | 'exited' | 'goalReached';

export interface JourneyResult {
  outcome: JourneyOutcome;
  /** The step that ended the journey: the webhook that failed, or the exit step. */
  step?: string;
  reason?: string;
}

export interface JourneyState {
  currentStep?: string;
  /** What the journey waits for now, e.g. "delay until 2026-12-05T09:00:00.000Z". */
  waitingFor?: string;
  /** Distinct events this run has received (repeats of an event id are not counted). */
  eventsReceived: number;
  steps: StepContexts;
  /** The user's zone for quiet hours and send windows, as last looked up. */
  timeZone?: string;
  /** Set when the profile names no valid zone and a default was used. */
  timeZoneProblem?: string;
}

/** Every event for this journey's user arrives here; a trigger too, once the journey is running (signalWithStart). */
export const eventSignal = defineSignal<[JourneyEvent]>('event');
export const stateQuery = defineQuery<JourneyState>('state');
/** Sent when a paused campaign is resumed, so held journeys go on at once. */
export const resumeSignal = defineSignal('resume');

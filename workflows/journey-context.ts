// What one run of a journey knows while it runs: who it is, the events it has received, whether
// an exit or goal event has come, and the phase it shows as JourneyState. Steps and guards read
// and change it; only the workflow's own handlers feed it events.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { JourneyIdentity } from '../activities/journey';
import type { FirstAttempt } from '../activities/entry-and-send';
import type { SendStep } from '../activities/send-step';
import type { PrepareWebhookInput } from '../activities/webhook';
import type { Campaign, EventFilter } from '../src/domain/campaign';
import { evaluateCondition } from '../src/domain/condition';
import { parseDuration } from '../src/domain/duration';
import type { JourneyEvent } from '../src/domain/event';
import { eventView, type StepContexts } from '../src/domain/journey-state';
import type { JourneyRef } from '../src/domain/scope';
import { eventSignal, resumeSignal, stateQuery, type JourneyInput, type JourneyState } from './journey-api';
import type { JourneySteps } from './journey-activities';
import { marksEndedState } from './legacy-paths';
import { JOURNEY_STATE, JOURNEY_STEP, type JourneyPhase } from './search-attributes';

/** Events kept for waitForEvent steps; older ones are dropped first. */
const INBOX_LIMIT = 100;

export interface InboxEntry {
  /** Numbered in arrival order from 1, per run. */
  seq: number;
  event: JourneyEvent;
}

/** A first webhook's send check made with the admission (workflows/entry.ts), for that step to use. */
export interface FirstSend {
  stepId: string;
  delivery: PrepareWebhookInput;
  /** The time the check was made for. */
  at: number;
  check: SendStep;
  /** Its first attempt, when the entry made it (generation 2 on). */
  attempt?: FirstAttempt;
}

/** Which paths of legacy-paths.ts a journey takes for the whole run. */
export interface JourneyPaths {
  /** Whether this journey follows fatigue control. */
  fatigue: boolean;
  /** Whether it started on the current paths (then every helper's newest path, without asking). */
  current: boolean;
  /**
   * Its starter's generation (0 before generations): from 1, the journey was started showing
   * JourneyState running on its first step, and upserts only attributes whose value changes.
   */
  generation: number;
}

export function matches(filter: Pick<EventFilter, 'event' | 'where'>, event: JourneyEvent): boolean {
  return event.name === filter.event && (!filter.where || evaluateCondition(filter.where, { event: eventView(event) }));
}

/** What activities need to know of a journey, with what its steps saved so far. */
export function journeyRef({ campaign, userId, trigger }: JourneyInput, steps: StepContexts): JourneyRef {
  return {
    journeyId: workflowInfo().workflowId,
    userId,
    campaign: { id: campaign.id, name: campaign.name },
    trigger,
    steps,
  };
}

export class JourneyContext {
  readonly campaign: Campaign;
  readonly userId: string;
  readonly state: JourneyState;
  /** signalWithStart retries and outbox sweeps may deliver an event twice; an id is handled once. */
  readonly seenEvents: Set<string>;
  readonly inbox: InboxEntry[] = [];
  received = 0;
  /** Events numbered above this arrived after the previous step began: a wait counts them. */
  previousStepFrom = 0;
  private stepFrom = 0;
  /** An event that answered one wait never answers another. */
  consumed = 0;
  exitEvent?: JourneyEvent;
  goalEvent?: JourneyEvent;
  conversionRecorded: boolean;
  readonly enteredAt: number;
  lastWebhookAt: number;
  /** Set by the resume signal; a held journey clears it before it looks at its campaign. */
  resumed = false;
  /** The entry's first attempt completed the journey and recorded its end: the journey need not. */
  readonly endRecorded: boolean;
  private phase?: JourneyPhase;
  /** The phase a current journey shows with its next step, in the same upsert. */
  private unshownPhase?: JourneyPhase;

  constructor(
    readonly input: JourneyInput,
    readonly identity: JourneyIdentity,
    readonly db: JourneySteps,
    readonly paths: JourneyPaths,
    private firstSend?: FirstSend,
  ) {
    const { resume } = input;
    this.campaign = input.campaign;
    this.userId = input.userId;
    this.state = { eventsReceived: 0, steps: resume?.steps ?? {} };
    this.seenEvents = new Set<string>([input.trigger.id, ...(resume?.seenEventIds ?? [])]);
    this.goalEvent = resume?.goalEvent;
    this.conversionRecorded = resume?.conversionRecorded ?? false;
    this.enteredAt = resume?.enteredAt ?? Date.now();
    this.lastWebhookAt = resume?.lastWebhookAt ?? this.enteredAt;
    this.endRecorded = firstSend?.attempt?.kind === 'sent' && firstSend.attempt.ended;
  }

  /** Shows the journey running and starts taking events, the ones a previous run carried first. */
  listen(): void {
    if (this.paths.current) [this.phase, this.unshownPhase] = ['running', 'running'];
    else this.enterPhase('running');
    setHandler(stateQuery, () => this.state);
    setHandler(resumeSignal, () => {
      this.resumed = true;
    });
    this.input.resume?.pendingEvents.forEach((event) => this.accept(event));
    setHandler(eventSignal, (event) => this.accept(event));
  }

  private accept(event: JourneyEvent): void {
    if (this.seenEvents.has(event.id)) return;
    this.seenEvents.add(event.id);
    const { exitOn, goal } = this.campaign;
    if (exitOn.some((filter) => matches(filter, event))) this.exitEvent ??= event;
    if (goal && !this.goalEvent && this.goalOpen() && Date.now() >= this.lastWebhookAt && matches(goal, event)) {
      this.goalEvent = event;
    }
    this.inbox.push({ seq: ++this.received, event });
    this.state.eventsReceived = this.received;
    if (this.inbox.length > INBOX_LIMIT) this.inbox.shift();
  }

  /** The goal event reached, while its conversion is not recorded yet. */
  unrecordedGoal(): JourneyEvent | undefined {
    return this.conversionRecorded ? undefined : this.goalEvent;
  }

  /** Whether the goal's conversion window is still open. */
  goalOpen(): boolean {
    const { goal } = this.campaign;
    return goal !== undefined && Date.now() - this.enteredAt <= parseDuration(goal.within)!;
  }

  /** An exit event, or a goal that ends the journey, stops it wherever it is. */
  exited(): boolean {
    return this.exitEvent !== undefined || (this.goalEvent !== undefined && this.campaign.goal!.exit);
  }

  /** Shown in the Web UI as the search attribute JourneyState. */
  enterPhase(next: JourneyPhase): void {
    if (!this.paths.fatigue || next === this.phase) return;
    [this.phase, this.unshownPhase] = [next, undefined];
    this.show([{ key: JOURNEY_STATE, value: next }]);
  }

  /** Shows the journey ended, so that JourneyState="running" no longer finds it. */
  markEnded(): void {
    if (this.paths.fatigue && marksEndedState(this.paths.current)) this.enterPhase('ended');
  }

  /** Marks `stepId` as the current step; events from now on arrived during it. */
  beginStep(stepId: string): void {
    this.state.currentStep = stepId;
    const phase = this.unshownPhase && [{ key: JOURNEY_STATE, value: this.unshownPhase }];
    this.unshownPhase = undefined;
    this.show([...(phase ?? []), { key: JOURNEY_STEP, value: stepId }]);
    [this.previousStepFrom, this.stepFrom] = [this.stepFrom, this.received];
  }

  /**
   * Upserts search attributes. Each upsert is a visibility write in Temporal; a journey started
   * with its first step's attributes (generation 1 on) skips those already showing their value.
   * Older journeys upsert as they always did: their histories hold every upsert.
   */
  private show(pairs: SearchAttributeUpdatePair[]): void {
    const shown = workflowInfo().typedSearchAttributes;
    const changed = this.paths.generation >= 1 ? pairs.filter((p) => shown.get(p.key) !== p.value) : pairs;
    if (changed.length > 0) upsertSearchAttributes(changed);
  }

  /** The send check made with the admission, once, to the step it was made for. */
  takeFirstSend(stepId: string): FirstSend | undefined {
    const first = this.firstSend;
    this.firstSend = undefined;
    return first?.stepId === stepId ? first : undefined;
  }

  ref(): JourneyRef {
    return journeyRef(this.input, this.state.steps);
  }
}

// The journey interpreter: one workflow per (campaign, user). It runs the campaign
// definition frozen into its input, so later edits never change a running journey.
// Deterministic: only @temporalio/workflow and pure domain code.
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { JourneyIdentity } from '../activities/journey';
import type { Campaign, EventFilter, Step } from '../src/domain/campaign';
import { evaluateCondition, needsDatabase } from '../src/domain/condition';
import { MAX_DURATION_MS, parseDuration, parseOffset } from '../src/domain/duration';
import type { JourneyEvent } from '../src/domain/event';
import { eventView, type StepContexts, type WebhookResponse } from '../src/domain/journey-state';
import { nextLocalTime, zoneOr } from '../src/domain/local-time';
import { readPath } from '../src/domain/paths';
import { journeyScope, type JourneyRef } from '../src/domain/scope';
import { nextStepId } from '../src/domain/step-graph';
import { deliver, deliverySteps } from './deliver';
import { JOURNEY_STATE, JOURNEY_STEP, type JourneyPhase } from './search-attributes';

export interface JourneyInput {
  campaign: Campaign;
  userId: string;
  trigger: JourneyEvent;
  /** The campaign version the journey follows, for its stats (absent in journeys started before it was passed). */
  campaignVersion?: number;
  /** Set when a long journey continued as a new run: where it was and what it knew. */
  resume?: ResumeState;
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

/** Every event for this journey's user arrives here; the trigger too, through signalWithStart. */
export const eventSignal = defineSignal<[JourneyEvent]>('event');
export const stateQuery = defineQuery<JourneyState>('state');
/** Sent when a paused campaign is resumed, so held journeys go on at once. */
export const resumeSignal = defineSignal('resume');

/** A held journey looks at its campaign's status at least this often, in case a resume signal was missed. */
const PAUSE_RECHECK = '5m';

/** The short MongoDB reads and writes around a journey's steps. */
const SHORT_STEP = { startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '1m' } } as const;
const queuedSteps = proxyActivities<Activities>(SHORT_STEP);
// A local activity runs inside the workflow task that asks for it: no task-queue round trip
// and no workflow task of its own, which was most of what a journey cost beyond its send.
const localSteps = proxyLocalActivities<Activities>(SHORT_STEP);

/** The activities a journey calls, local or queued. */
function journeySteps(local: boolean) {
  // Read one by one: a proxy has no own keys to spread.
  const { checkAudience, chooseBranch, loadUserProperties, recordConversion, admitJourney, journeyEnded, campaignStatus, planSend, reserveSend, releaseSend, userTimeZone, countJourneyFact } = local
    ? localSteps
    : queuedSteps;
  const steps = { checkAudience, chooseBranch, loadUserProperties, recordConversion, admitJourney, journeyEnded, campaignStatus, planSend, reserveSend, releaseSend, userTimeZone, countJourneyFact };
  return { ...steps, ...deliverySteps(local) };
}
type JourneySteps = ReturnType<typeof journeySteps>;

/** Events kept for waitForEvent steps; older ones are dropped first. */
const INBOX_LIMIT = 100;
/** A run continues as new past this many history events (Temporal suggests it at 4,096 and stops runs at 51,200). */
const HISTORY_LIMIT = 2_000;
/** Event ids a continued run still de-duplicates; older repeats are far beyond any retry. */
const SEEN_EVENTS_CARRIED = 1_000;

function matches(filter: Pick<EventFilter, 'event' | 'where'>, event: JourneyEvent): boolean {
  return event.name === filter.event && (!filter.where || evaluateCondition(filter.where, { event: eventView(event) }));
}

/** What activities need to know of this journey, with what its steps saved so far. */
function journeyRef({ campaign, userId, trigger }: JourneyInput, steps: StepContexts): JourneyRef {
  return { journeyId: workflowInfo().workflowId, userId, campaign: { id: campaign.id, name: campaign.name }, trigger, steps };
}

export async function journey(input: JourneyInput): Promise<JourneyResult> {
  const { campaign, userId, trigger, resume } = input;
  const { workflowId, runId } = workflowInfo();
  // A continued journey keeps the identity of its first run, under which it was admitted.
  const identity: JourneyIdentity = { journeyId: workflowId, runId: resume?.firstRunId ?? runId, campaignId: campaign.id, userId, depth: trigger.depth ?? 0 };
  // Answers until the journey proper starts and registers its own state.
  setHandler(stateQuery, () => ({ waitingFor: 'entry checks', eventsReceived: 0, steps: {} }));
  // Journeys started before local activities replay with the activities they scheduled.
  const local = patched('local-activities');
  const db = journeySteps(local);
  const { checkAudience, admitJourney, journeyEnded } = db;
  if (!resume) {
    if (campaign.audience) {
      if (!(await checkAudience({ ...journeyRef(input, {}), audience: campaign.audience }))) return { outcome: 'notInAudience' };
    }
    // Not cancellable: an admitted journey must reach the try below, which records its end.
    const admission = await CancellationScope.nonCancellable(() => admitJourney({ ...identity, reentry: campaign.reentry, at: Date.now(), campaignVersion: input.campaignVersion, triggerEventId: trigger.id }));
    if (!admission.admitted) return { outcome: 'notAdmitted', reason: admission.reason };
  }
  try {
    const result = await runJourney(input, identity, db);
    await journeyEnded({ ...identity, outcome: result.outcome, reason: result.reason, at: Date.now() });
    return result;
  } catch (err) {
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => journeyEnded({ ...identity, outcome: 'cancelled', at: Date.now() }));
    throw err;
  }
}

async function runJourney(input: JourneyInput, identity: JourneyIdentity, db: JourneySteps): Promise<JourneyResult> {
  const { chooseBranch, loadUserProperties, recordConversion, campaignStatus, planSend, reserveSend, releaseSend, userTimeZone, countJourneyFact, prepareWebhook } = db;
  const { campaign, userId, trigger, resume } = input;
  const state: JourneyState = { eventsReceived: 0, steps: resume?.steps ?? {} };
  // signalWithStart retries and outbox sweeps may deliver an event twice; an id is handled once.
  const seenEvents = new Set<string>([trigger.id, ...(resume?.seenEventIds ?? [])]);
  const inbox: Array<{ seq: number; event: JourneyEvent }> = [];
  let received = 0;
  /** Events numbered above this arrived after the previous step began: a wait counts them. */
  let previousStepFrom = 0;
  /** An event that answered one wait never answers another. */
  let consumed = 0;
  let exitEvent: JourneyEvent | undefined;
  let goalEvent: JourneyEvent | undefined = resume?.goalEvent;
  let conversionRecorded = resume?.conversionRecorded ?? false;
  const enteredAt = resume?.enteredAt ?? Date.now();
  let lastWebhookAt = resume?.lastWebhookAt ?? enteredAt;
  const { goal } = campaign;
  const goalOpen = () => goal !== undefined && Date.now() - enteredAt <= parseDuration(goal.within)!;

  // Journeys started before fatigue control keep the old commands when their histories replay.
  const fatigue = patched('fatigue-control');
  let phase: JourneyPhase | undefined;
  /** Shown in the Web UI as the search attribute JourneyState. */
  const enterPhase = (next: JourneyPhase) => {
    if (!fatigue || next === phase) return;
    phase = next;
    upsertSearchAttributes([{ key: JOURNEY_STATE, value: next }]);
  };
  enterPhase('running');

  let resumed = false;
  setHandler(stateQuery, () => state);
  setHandler(resumeSignal, () => {
    resumed = true;
  });
  const accept = (event: JourneyEvent) => {
    if (seenEvents.has(event.id)) return;
    seenEvents.add(event.id);
    if (campaign.exitOn.some((filter) => matches(filter, event))) exitEvent ??= event;
    if (goal && !goalEvent && goalOpen() && Date.now() >= lastWebhookAt && matches(goal, event)) goalEvent = event;
    inbox.push({ seq: ++received, event });
    state.eventsReceived = received;
    if (inbox.length > INBOX_LIMIT) inbox.shift();
  };
  resume?.pendingEvents.forEach(accept);
  setHandler(eventSignal, accept);

  const ref = (): JourneyRef => journeyRef(input, state.steps);
  /** An exit event, or a goal that ends the journey, stops it wherever it is. */
  const exited = () => exitEvent !== undefined || (goalEvent !== undefined && goal!.exit);
  const exitResult = async (): Promise<JourneyResult> => {
    await recordGoal();
    return exitEvent ? { outcome: 'exited', reason: `event:${exitEvent.name}` } : { outcome: 'goalReached', reason: `event:${goalEvent!.name}` };
  };

  async function recordGoal(): Promise<void> {
    if (!goalEvent || conversionRecorded) return;
    conversionRecorded = true;
    await recordConversion({ ...identity, eventId: goalEvent.id });
  }

  /** Milliseconds a delay step waits: a duration, until a local time of day, or until a date a property holds. */
  async function delayMs(step: Extract<Step, { type: 'delay' }>): Promise<number> {
    if (step.duration) return parseDuration(step.duration)!;
    const properties = await loadUserProperties({ userId });
    const now = Date.now();
    if (step.until) {
      const zone = fatigue
        ? (await userTimeZone({ journeyId: workflowInfo().workflowId, userId, timeZone: campaign.timeZone })).zone
        : zoneOr(properties[campaign.timeZone.property], campaign.timeZone.default ?? 'UTC');
      return nextLocalTime(now, step.until, step.weekdays, zone) - now;
    }
    const value = readPath(journeyScope(ref(), properties), step.untilField!);
    const at = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    // A missing or unreadable date does not hold the journey up.
    if (Number.isNaN(at)) return 0;
    // Runs before this patch read a missing offset as NaN and did not wait at all.
    const offset = step.offset !== undefined ? parseOffset(step.offset)! : patched('until-field-without-offset') ? 0 : Number.NaN;
    return Math.min(Math.max(0, at + offset - now), MAX_DURATION_MS);
  }

  /** Waits up to `ms`, ending early on an exit event; true when the journey must exit. */
  async function waitOrExit(ms: number, what: string, until: () => boolean = () => false, waiting: JourneyPhase = 'waiting'): Promise<boolean> {
    state.waitingFor = `${what} until ${new Date(Date.now() + ms).toISOString()}`;
    enterPhase(waiting);
    await condition(() => exited() || until(), ms);
    state.waitingFor = undefined;
    enterPhase('running');
    return exited();
  }

  /**
   * Before each webhook: while the campaign is paused, hold here; once it is archived, end,
   * since an archive may have missed this journey. Returns how the journey ends, if it does.
   */
  async function holdWhilePaused(): Promise<JourneyResult | undefined> {
    for (;;) {
      // Cleared before the read, so a resume that arrives during it is not lost.
      resumed = false;
      const status = await campaignStatus({ campaignId: campaign.id });
      if (status === 'archived') return { outcome: 'exited', reason: 'campaign archived' };
      if (status !== 'paused') return undefined;
      state.waitingFor = 'campaign paused';
      enterPhase('held');
      await condition(() => resumed || exited(), PAUSE_RECHECK);
      state.waitingFor = undefined;
      enterPhase('running');
      if (exited()) return exitResult();
    }
  }

  /**
   * Before a webhook: the pause hold, then quiet hours and the send window, then the caps.
   * Says whether a slot was reserved, or which path the journey takes instead of sending.
   */
  async function passFatigueRules(stepId: string, deliveryId: string): Promise<{ reserved: boolean } | { target?: string } | JourneyResult> {
    const rules = { id: campaign.id, timeZone: campaign.timeZone, caps: campaign.caps, tags: campaign.tags, quietHours: campaign.quietHours, sendWindow: campaign.sendWindow };
    for (;;) {
      const paused = await holdWhilePaused();
      if (paused) return paused;
      const plan = await planSend({ journeyId: workflowInfo().workflowId, userId, rules, at: Date.now() });
      Object.assign(state, { timeZone: plan.zone, timeZoneProblem: plan.zoneProblem });
      // Quiet hours and the send window never overlap: this webhook can never go out.
      if (plan.sendAt === undefined) return {};
      if (plan.sendAt > Date.now()) {
        if (plan.heldBy === 'quiet hours') await countJourneyFact({ ...identity, counter: 'held:quietHours', factId: deliveryId });
        if (await waitOrExit(plan.sendAt - Date.now(), plan.heldBy!, undefined, 'held')) return exitResult();
        // Looked at again: the campaign may have been paused, or the rules edited, meanwhile.
        continue;
      }
      if (campaign.capExempt) return { reserved: false };
      const verdict = await reserveSend({ key: deliveryId, userId, campaignId: campaign.id, tags: campaign.tags ?? [], caps: plan.caps, at: Date.now() });
      if (verdict.granted) return { reserved: true };
      await countJourneyFact({ ...identity, counter: 'capped', factId: deliveryId });
      const onCapped = campaign.onCapped ?? 'skip';
      if (onCapped === 'skip') return {};
      if (onCapped === 'exit') return { outcome: 'exited', step: stepId, reason: 'capped' };
      // Looked at again once enough counted sends have left the window for a slot to free.
      if (await waitOrExit(verdict.freesAt - Date.now(), `frequency cap (${verdict.cap})`, undefined, 'held')) return exitResult();
    }
  }

  async function runWebhook(step: Extract<Step, { type: 'webhook' }>, deliveryId: string): Promise<WebhookResponse | undefined> {
    const current = ref();
    const key = { _id: deliveryId, journeyId: current.journeyId, campaignId: campaign.id, userId, stepId: step.id };
    try {
      await prepareWebhook({ ...current, key, request: step.request, campaignVersion: input.campaignVersion });
    } catch {
      // The reason (a template error, a missing destination) is on the delivery already.
      return undefined;
    }
    // An exit event ends the journey even while this webhook waits between retries.
    const sending = new CancellationScope();
    const watching = new CancellationScope();
    const delivered = sending.run(() => deliver(key._id, 0, db));
    const exitSeen = watching.run(() => condition(exited)).catch(() => undefined);
    await Promise.race([delivered.catch(() => undefined), exitSeen]);
    // The watch must not outlive the step, or every webhook would leave a condition behind.
    watching.cancel();
    if (!exited()) return delivered;
    sending.cancel();
    await delivered.catch(() => undefined);
    return undefined;
  }

  /** Runs one step; returns the path it takes (undefined: the default path), or how the journey ends. */
  async function runStep(step: Step): Promise<{ target?: string } | JourneyResult> {
    switch (step.type) {
      case 'delay': {
        const ms = await delayMs(step);
        return ms > 0 && (await waitOrExit(ms, 'delay')) ? exitResult() : {};
      }
      case 'webhook': {
        // uuid4 is deterministic across replays, so every attempt of this step carries the same id.
        const deliveryId = `msg_${uuid4()}`;
        let reserved = false;
        if (fatigue) {
          const gate = await passFatigueRules(step.id, deliveryId);
          if (!('reserved' in gate)) return gate;
          reserved = gate.reserved;
        } else {
          const held = await holdWhilePaused();
          if (held) return held;
        }
        const response = await runWebhook(step, deliveryId);
        // A send that did not succeed gives its slot back.
        if (!response && reserved) await releaseSend({ key: deliveryId, userId });
        if (exited()) return exitResult();
        lastWebhookAt = Date.now();
        if (!response) return step.onFailure === 'exit' ? { outcome: 'webhookFailed', step: step.id } : { target: step.onFailure };
        if (step.saveResponse) state.steps[step.id] = { response };
        return {};
      }
      case 'waitForEvent': {
        // An event that arrived while the step before ran (say, during a webhook send) still counts.
        const from = Math.max(previousStepFrom, consumed);
        const awaited = () => inbox.find((e) => e.seq > from && matches(step, e.event));
        if (await waitOrExit(parseDuration(step.timeout)!, `event ${step.event}`, () => awaited() !== undefined)) return await exitResult();
        const answer = awaited();
        if (!answer) return { target: step.onTimeout };
        consumed = answer.seq;
        state.steps[step.id] = { event: eventView(answer.event) };
        return { target: step.onEvent };
      }
      case 'branch': {
        // Conditions on events, segments or the profile's timestamps are evaluated by an activity.
        if (step.cases.some((c) => needsDatabase(c.when)) && patched('branch-audience-query')) {
          const index = await chooseBranch({ ...ref(), conditions: step.cases.map((c) => c.when) });
          return { target: index >= 0 ? step.cases[index].next : step.default };
        }
        // Conditions on the user read the profile as it is now, not as it was at entry.
        const scope = journeyScope(ref(), await loadUserProperties({ userId }));
        return { target: step.cases.find((c) => evaluateCondition(c.when, scope))?.next ?? step.default };
      }
      case 'exit':
        return { outcome: 'exited', step: step.id, reason: step.reason };
    }
  }

  const indexOf = new Map(campaign.steps.map((s, i) => [s.id, i]));
  let index: number | undefined = resume ? indexOf.get(resume.stepId) : 0;
  let stepFrom = 0;
  while (index !== undefined) {
    if (exited()) return exitResult();
    await recordGoal();
    const step: Step = campaign.steps[index];
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT) {
      await condition(allHandlersFinished);
      const pendingEvents = inbox.filter((e) => e.seq > consumed).map((e) => e.event);
      await continueAsNew<typeof journey>({
        campaign,
        userId,
        trigger,
        campaignVersion: input.campaignVersion,
        resume: {
          stepId: step.id,
          firstRunId: identity.runId,
          steps: state.steps,
          seenEventIds: [...seenEvents].slice(-SEEN_EVENTS_CARRIED),
          pendingEvents,
          enteredAt,
          lastWebhookAt,
          goalEvent,
          conversionRecorded,
        },
      });
    }
    state.currentStep = step.id;
    upsertSearchAttributes([{ key: JOURNEY_STEP, value: step.id }]);
    [previousStepFrom, stepFrom] = [stepFrom, received];
    const result = await runStep(step);
    if ('outcome' in result) return result;
    const nextId = nextStepId(campaign.steps, index, result.target);
    index = nextId === undefined ? undefined : indexOf.get(nextId);
  }
  // The steps are done but the conversion window may not be: stay to count a late goal.
  if (goal && !goalEvent && goalOpen()) {
    await waitOrExit(enteredAt + parseDuration(goal.within)! - Date.now(), `goal ${goal.event}`, () => goalEvent !== undefined);
  }
  await recordGoal();
  if (exitEvent) return exitResult();
  return goalEvent ? { outcome: 'goalReached', reason: `event:${goalEvent.name}` } : { outcome: 'completed' };
}

// One journey as the studio's inspector shows it: its workflow's status, what it is doing now
// (its state query, while it runs) and what it did (read from its workflow history).
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type LoadedDataConverter, type Payload } from '@temporalio/common';
import { decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs, tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import type { JourneyEvent } from '../domain/event';
import { stateQuery, type JourneyInput } from '../../workflows';
import { JOURNEY_STATE, JOURNEY_STEP } from '../../workflows/search-attributes';

/** One moment of a journey's current run: a step entered, a wait or hold begun, an event received. */
export interface JourneyMoment {
  at: Date;
  kind: 'step' | 'waiting' | 'held' | 'running' | 'timer' | 'event';
  /** The step id, the event name, or when a timer ends (ISO). */
  detail?: string;
}

export interface JourneyInspection {
  status: string;
  startedAt: Date;
  closedAt?: Date;
  state?: { currentStep?: string; waitingFor?: string; eventsReceived: number };
  moments: JourneyMoment[];
}

const decode = (payload: Payload | null | undefined): unknown =>
  payload ? defaultPayloadConverter.fromPayload(payload) : undefined;

/** An event the journey was handed: its trigger in its input, or an event signal. */
type HandedEvent = Pick<JourneyEvent, 'id' | 'name'>;

/** The first payload, decoded; inputs and signals pass through the payload codec (encrypted). */
function decodeFirst<T>(converter: LoadedDataConverter, payloads: { payloads?: Payload[] | null } | null | undefined) {
  return decodeOptionalSinglePayload<T>(converter, payloads?.payloads?.[0]).catch(() => undefined);
}

/**
 * What the search attributes the journey was started with or upserts, its timers and the
 * events it was handed say about it. A journey is started showing its first step
 * (journeyStart), with its trigger in its input; a refused one removes the step again.
 */
async function momentsOf(
  event: temporal.api.history.v1.IHistoryEvent,
  converter: LoadedDataConverter,
  trigger: HandedEvent | undefined,
): Promise<JourneyMoment[]> {
  const at = new Date(tsToMs(event.eventTime));
  const started = event.workflowExecutionStartedEventAttributes;
  const handed = started ? trigger : undefined;
  const shown = event.upsertWorkflowSearchAttributesEventAttributes ?? started ?? undefined;
  const fields = shown?.searchAttributes?.indexedFields;
  const step = decode(fields?.[JOURNEY_STEP.name]);
  const state = decode(fields?.[JOURNEY_STATE.name]);
  const moments: JourneyMoment[] = [];
  if (typeof step === 'string' && step !== '') moments.push({ at, kind: 'step', detail: step });
  else if (typeof state === 'string' && state !== '') moments.push({ at, kind: state as JourneyMoment['kind'] });
  if (handed) moments.push({ at, kind: 'event', detail: handed.name });
  const timer = event.timerStartedEventAttributes;
  if (timer)
    moments.push({
      at,
      kind: 'timer',
      detail: new Date(at.getTime() + (optionalTsToMs(timer.startToFireTimeout) ?? 0)).toISOString(),
    });
  const signal = event.workflowExecutionSignaledEventAttributes;
  if (signal?.signalName === 'event') {
    const signalled = await decodeFirst<HandedEvent>(converter, signal.input);
    // signalWithStart hands a new journey its trigger twice; like the journey, show it once.
    if (signalled?.id === undefined || signalled.id !== trigger?.id)
      moments.push({ at, kind: 'event', detail: signalled?.name });
  }
  return moments;
}

/** The trigger a first run was started with; a continued run was handed none. */
async function triggerOf(
  events: temporal.api.history.v1.IHistoryEvent[],
  converter: LoadedDataConverter,
): Promise<HandedEvent | undefined> {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (!started) return undefined;
  const input = await decodeFirst<Pick<JourneyInput, 'trigger' | 'resume'>>(converter, started.input);
  return input?.resume ? undefined : input?.trigger;
}

/** Undefined when no workflow has this id. */
export async function inspectJourney(client: Client, journeyId: string): Promise<JourneyInspection | undefined> {
  const handle = client.workflow.getHandle(journeyId);
  const description = await handle.describe().catch(() => undefined);
  if (!description) return undefined;
  const running = description.status.name === 'RUNNING';
  // A journey that ends between the two calls cannot answer the query; it just has no state.
  const state = running ? await handle.query(stateQuery).catch(() => undefined) : undefined;
  const events = (await handle.fetchHistory()).events ?? [];
  const converter = client.options.loadedDataConverter;
  const trigger = await triggerOf(events, converter);
  return {
    moments: (await Promise.all(events.map((e) => momentsOf(e, converter, trigger)))).flat(),
    status: description.status.name,
    startedAt: description.startTime,
    closedAt: description.closeTime,
    state: state && {
      currentStep: state.currentStep,
      waitingFor: state.waitingFor,
      eventsReceived: state.eventsReceived,
    },
  };
}

/** Cancels a running journey (it records its end as "cancelled"); false when it is not running. */
export async function cancelJourney(client: Client, journeyId: string): Promise<boolean> {
  const inspection = await inspectJourney(client, journeyId);
  if (inspection?.status !== 'RUNNING') return false;
  await client.workflow.getHandle(journeyId).cancel();
  return true;
}

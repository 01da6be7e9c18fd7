// One journey as the studio's inspector shows it: its workflow's status, what it is doing now
// (its state query, while it runs) and what it did (read from its workflow history).
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type LoadedDataConverter, type Payload } from '@temporalio/common';
import { decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToMs, tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { stateQuery } from '../../workflows';
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

/**
 * What the search attributes the journey was started with or upserts, its timers and its
 * signals say about it. A journey is started showing its first step (journeyStart), and a
 * refused one removes it again.
 */
async function momentOf(
  event: temporal.api.history.v1.IHistoryEvent,
  converter: LoadedDataConverter,
): Promise<JourneyMoment | undefined> {
  const at = new Date(tsToMs(event.eventTime));
  const shown =
    event.upsertWorkflowSearchAttributesEventAttributes ?? event.workflowExecutionStartedEventAttributes ?? undefined;
  const fields = shown?.searchAttributes?.indexedFields;
  const step = decode(fields?.[JOURNEY_STEP.name]);
  if (typeof step === 'string' && step !== '') return { at, kind: 'step', detail: step };
  const state = decode(fields?.[JOURNEY_STATE.name]);
  if (typeof state === 'string' && state !== '') return { at, kind: state as JourneyMoment['kind'] };
  const timer = event.timerStartedEventAttributes;
  if (timer)
    return {
      at,
      kind: 'timer',
      detail: new Date(at.getTime() + (optionalTsToMs(timer.startToFireTimeout) ?? 0)).toISOString(),
    };
  const signal = event.workflowExecutionSignaledEventAttributes;
  if (signal?.signalName === 'event') {
    // Signal inputs pass through the payload codec (encrypted); search attributes do not.
    const input = await decodeOptionalSinglePayload<{ name?: string }>(converter, signal.input?.payloads?.[0]).catch(
      () => undefined,
    );
    return { at, kind: 'event', detail: input?.name };
  }
  return undefined;
}

/** Undefined when no workflow has this id. */
export async function inspectJourney(client: Client, journeyId: string): Promise<JourneyInspection | undefined> {
  const handle = client.workflow.getHandle(journeyId);
  const description = await handle.describe().catch(() => undefined);
  if (!description) return undefined;
  const running = description.status.name === 'RUNNING';
  // A journey that ends between the two calls cannot answer the query; it just has no state.
  const state = running ? await handle.query(stateQuery).catch(() => undefined) : undefined;
  const history = await handle.fetchHistory();
  return {
    moments: (
      await Promise.all((history.events ?? []).map((e) => momentOf(e, client.options.loadedDataConverter)))
    ).filter((m): m is JourneyMoment => m !== undefined),
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

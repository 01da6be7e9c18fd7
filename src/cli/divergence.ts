// Which event of a history the workflow code first disagrees with. The replayer says what did
// not match but not where, so the shortest prefix of the history that still fails is searched
// for: its last event is the first one the code diverges from.
import type { History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

export interface DivergingEvent {
  eventId: number;
  eventType: string;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

async function diverges(replay: ReplayWorkerOptions, workflowId: string, events: HistoryEvent[]): Promise<boolean> {
  for await (const result of Worker.runReplayHistories(replay, [{ workflowId, history: { events } }])) {
    if (result.error instanceof DeterminismViolationError) return true;
  }
  return false;
}

function eventTypeName(event: HistoryEvent): string {
  const type = event.eventType;
  return (typeof type === 'number' ? temporal.api.enums.v1.EventType[type] : type) ?? 'unknown';
}

/** Undefined when the history has no completed workflow task, so nothing in it can diverge. */
export async function firstDivergingEvent(
  replay: ReplayWorkerOptions,
  entry: { workflowId: string; history: History },
): Promise<DivergingEvent | undefined> {
  const events = entry.history.events ?? [];
  const isTaskCompleted = (e: HistoryEvent) => eventTypeName(e) === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED';
  // Prefixes are counted in events. Up to the first completed workflow task nothing can diverge
  // (shorter prefixes do not replay at all); the whole history does.
  let low = events.findIndex(isTaskCompleted) + 1;
  let high = events.length;
  if (low === 0) return undefined;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (await diverges(replay, entry.workflowId, events.slice(0, middle))) high = middle;
    else low = middle;
  }
  const event = events[high - 1];
  return { eventId: Number(event.eventId), eventType: eventTypeName(event) };
}

// One journey as the studio's inspector shows it: its workflow's status and, while it runs,
// what it is doing now (its state query).
import type { Client } from '@temporalio/client';
import { stateQuery } from '../../workflows';

export interface JourneyInspection {
  status: string;
  startedAt: Date;
  closedAt?: Date;
  state?: { currentStep?: string; waitingFor?: string; eventsReceived: number };
}

/** Undefined when no workflow has this id. */
export async function inspectJourney(client: Client, journeyId: string): Promise<JourneyInspection | undefined> {
  const handle = client.workflow.getHandle(journeyId);
  const description = await handle.describe().catch(() => undefined);
  if (!description) return undefined;
  const running = description.status.name === 'RUNNING';
  // A journey that ends between the two calls cannot answer the query; it just has no state.
  const state = running ? await handle.query(stateQuery).catch(() => undefined) : undefined;
  return {
    status: description.status.name,
    startedAt: description.startTime,
    closedAt: description.closeTime,
    state: state && { currentStep: state.currentStep, waitingFor: state.waitingFor, eventsReceived: state.eventsReceived },
  };
}

/** Cancels a running journey (it records its end as "cancelled"); false when it is not running. */
export async function cancelJourney(client: Client, journeyId: string): Promise<boolean> {
  const inspection = await inspectJourney(client, journeyId);
  if (inspection?.status !== 'RUNNING') return false;
  await client.workflow.getHandle(journeyId).cancel();
  return true;
}

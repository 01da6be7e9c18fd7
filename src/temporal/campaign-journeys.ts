import type { Client } from '@temporalio/client';
import { resumeSignal } from '../../workflows';
import { journeysQuery } from './journey-queries';

function runningQuery(campaignId: string, version?: number): string {
  return journeysQuery({ campaignId, version, status: 'Running' });
}

export async function countRunning(client: Client, campaignId: string, version?: number): Promise<number> {
  return (await client.workflow.count(runningQuery(campaignId, version))).count;
}

/** Applies `action` to each running journey of the campaign; returns how many it reached. */
async function eachRunning(client: Client, campaignId: string, action: (id: string) => Promise<unknown>): Promise<number> {
  let reached = 0;
  for await (const execution of client.workflow.list({ query: runningQuery(campaignId) })) {
    await action(execution.workflowId).then(
      () => (reached += 1),
      () => undefined, // it ended meanwhile
    );
  }
  return reached;
}

/** Archiving cancels running journeys; each records its end as "cancelled". */
export function cancelRunningJourneys(client: Client, campaignId: string): Promise<number> {
  return eachRunning(client, campaignId, (id) => client.workflow.getHandle(id).cancel());
}

/** Wakes journeys held by a pause, so they send without waiting for their next check. */
export function resumeRunningJourneys(client: Client, campaignId: string): Promise<number> {
  return eachRunning(client, campaignId, (id) => client.workflow.getHandle(id).signal(resumeSignal));
}

import type { Client } from '@temporalio/client';
import { resumeSignal } from '../../workflows';
import { newJobId, runBatch, startBatch, type BatchKind, type BatchOutcome, type BatchWatcher } from './batch';
import { journeysQuery } from './journey-queries';

function runningQuery(campaignId: string, version?: number): string {
  return journeysQuery({ campaignId, version, status: 'Running' });
}

export async function countRunning(client: Client, campaignId: string, version?: number): Promise<number> {
  return (await client.workflow.count(runningQuery(campaignId, version))).count;
}

/** Wakes journeys held by a pause, so they send without waiting for their next check; returns how many it reached. */
export async function resumeRunningJourneys(client: Client, campaignId: string): Promise<number> {
  let reached = 0;
  for await (const execution of client.workflow.list({ query: runningQuery(campaignId) })) {
    await client.workflow
      .getHandle(execution.workflowId)
      .signal(resumeSignal)
      .then(
        () => (reached += 1),
        () => undefined, // it ended meanwhile
      );
  }
  return reached;
}

/**
 * Cancels (each records its end as "cancelled") or terminates every journey of the campaign
 * running when the batch starts, through one Temporal batch operation, and waits for it to end;
 * the one way to do it, for archiving and for `hookway campaigns cancel`.
 */
export function cancelRunningJourneys(
  client: Client,
  campaignId: string,
  options: { kind?: BatchKind; reason: string; watcher?: BatchWatcher },
): Promise<BatchOutcome> {
  const request = { kind: options.kind ?? 'cancel', query: runningQuery(campaignId), reason: options.reason };
  return runBatch(client, request, options.watcher);
}

/**
 * Starts the same batch without waiting for it (the studio reads its progress with describeBatch);
 * answers BatchBusyError at once when another batch runs. Returns the job id.
 */
export async function startCancellingJourneys(client: Client, campaignId: string, reason: string): Promise<string> {
  const jobId = newJobId('cancel');
  await startBatch(client, { kind: 'cancel', query: runningQuery(campaignId), reason }, jobId, { wait: false });
  return jobId;
}

// Cancelling every running journey of a campaign as one Temporal batch operation, whose
// progress can be read while the server works through them.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { journeysQuery } from './journey-queries';

export interface BatchProgress {
  jobId: string;
  state: 'running' | 'completed' | 'failed';
  total: number;
  completed: number;
  failed: number;
}

const STATES: Partial<Record<temporal.api.enums.v1.BatchOperationState, BatchProgress['state']>> = {
  [temporal.api.enums.v1.BatchOperationState.BATCH_OPERATION_STATE_COMPLETED]: 'completed',
  [temporal.api.enums.v1.BatchOperationState.BATCH_OPERATION_STATE_FAILED]: 'failed',
};

/** Thrown when the namespace already runs a batch operation (the server allows one at a time by default). */
export class BatchBusyError extends Error {}

/** Starts cancelling the campaign's running journeys; each records its end as "cancelled". Returns the job id. */
export async function startCancelBatch(client: Client, campaignId: string, reason: string): Promise<string> {
  const jobId = `cancel-journeys/${campaignId}/${randomUUID()}`;
  try {
    await client.workflowService.startBatchOperation({
      namespace: client.options.namespace,
      jobId,
      reason,
      visibilityQuery: journeysQuery({ campaignId, status: 'Running' }),
      cancellationOperation: { identity: 'hookway-studio' },
    });
  } catch (err) {
    // gRPC RESOURCE_EXHAUSTED: another batch operation is still running.
    if ((err as { code?: number }).code === 8)
      throw new BatchBusyError('another batch operation is running in this namespace');
    throw err;
  }
  return jobId;
}

export async function batchProgress(client: Client, jobId: string): Promise<BatchProgress | undefined> {
  const described = await client.workflowService
    .describeBatchOperation({ namespace: client.options.namespace, jobId })
    .catch((err: { code?: number }) => {
      // gRPC NOT_FOUND
      if (err.code === 5) return undefined;
      throw err;
    });
  if (!described) return undefined;
  return {
    jobId,
    state: STATES[described.state] ?? 'running',
    total: Number(described.totalOperationCount ?? 0),
    completed: Number(described.completeOperationCount ?? 0),
    failed: Number(described.failureOperationCount ?? 0),
  };
}

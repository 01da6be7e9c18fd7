// Cancelling or terminating many workflows through one Temporal batch operation: the
// server works through the visibility query itself, instead of the caller calling once per
// workflow.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import os from 'node:os';

const { BatchOperationState } = temporal.api.enums.v1;

/** The server gave up on the batch part of the way. */
export class BatchFailedError extends Error {}

export type BatchKind = 'cancel' | 'terminate';

export interface BatchRequest {
  kind: BatchKind;
  query: string;
  reason: string;
}

export interface BatchOutcome {
  jobId: string;
  succeeded: number;
  failed: number;
  total: number;
}

export interface BatchWatcher {
  /** Another batch holds the namespace's slot; the start is retried. */
  onWaiting?(): void;
  onProgress?(done: number, total: number): void;
}

const POLL_MS = 500;
/** gRPC status codes. */
const NOT_FOUND = 5;
const RESOURCE_EXHAUSTED = 8;
const NOT_FOUND_PATIENCE_MS = 10_000;
/** How long to keep retrying a start refused because another batch runs. */
const START_PATIENCE_MS = 5 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function toNumber(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** The server runs a limited number of batches per namespace (one on the dev server) and refuses more. */
function isBusy(err: unknown): boolean {
  const { code, message } = err as { code?: number; message?: string };
  return code === RESOURCE_EXHAUSTED || /too many|max concurrent|concurrent batch/i.test(message ?? '');
}

function identity(): string {
  return `hookway@${os.hostname()}`;
}

async function start(client: Client, request: BatchRequest, jobId: string, watcher: BatchWatcher): Promise<void> {
  const { namespace } = client.options;
  const operation =
    request.kind === 'cancel'
      ? { cancellationOperation: { identity: identity() } }
      : { terminationOperation: { identity: identity() } };
  const deadline = Date.now() + START_PATIENCE_MS;
  let warned = false;
  for (;;) {
    try {
      await client.workflowService.startBatchOperation({
        namespace,
        jobId,
        reason: request.reason,
        visibilityQuery: request.query,
        ...operation,
      });
      return;
    } catch (err) {
      if (!isBusy(err) || Date.now() > deadline) throw err;
      if (!warned) watcher.onWaiting?.();
      warned = true;
      await sleep(1_000);
    }
  }
}

/**
 * Starts the batch and polls it to its end. The server reports its counts only now and
 * then, so progress also counts the workflows that have left the query meanwhile.
 */
export async function runBatch(
  client: Client,
  request: BatchRequest,
  watcher: BatchWatcher = {},
): Promise<BatchOutcome> {
  const { namespace } = client.options;
  const initial = (await client.workflow.count(request.query)).count;
  const jobId = `hookway-${request.kind}-${randomUUID()}`;
  if (initial === 0) return { jobId, succeeded: 0, failed: 0, total: 0 };
  await start(client, request, jobId, watcher);
  const startedAt = Date.now();
  for (;;) {
    let described;
    try {
      described = await client.workflowService.describeBatchOperation({ namespace, jobId });
    } catch (err) {
      // A batch just started may not be visible yet.
      if ((err as { code?: number }).code !== NOT_FOUND || Date.now() - startedAt > NOT_FOUND_PATIENCE_MS) throw err;
      await sleep(POLL_MS);
      continue;
    }
    const succeeded = toNumber(described.completeOperationCount);
    const failed = toNumber(described.failureOperationCount);
    const total = Math.max(toNumber(described.totalOperationCount), initial);
    if (described.state === BatchOperationState.BATCH_OPERATION_STATE_COMPLETED)
      return { jobId, succeeded, failed, total: Math.max(total, succeeded + failed) };
    if (described.state === BatchOperationState.BATCH_OPERATION_STATE_FAILED) {
      throw new BatchFailedError(
        `batch operation ${jobId} failed after ${succeeded} of ${total}${described.reason ? `: ${described.reason}` : ''}`,
      );
    }
    const left = (await client.workflow.count(request.query)).count;
    watcher.onProgress?.(Math.min(total, Math.max(succeeded + failed, initial - left)), total);
    await sleep(POLL_MS);
  }
}

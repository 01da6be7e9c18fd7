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

/** Thrown by a start that may not wait when the namespace already runs a batch operation. */
export class BatchBusyError extends Error {}

export interface BatchProgress {
  jobId: string;
  state: 'running' | 'completed' | 'failed';
  total: number;
  completed: number;
  failed: number;
  reason?: string;
}

/**
 * Starts the batch under `jobId`. Another batch holding the namespace's slot is waited for (up to
 * five minutes) when the watcher says so, else answered with BatchBusyError.
 */
export async function startBatch(
  client: Client,
  request: BatchRequest,
  jobId: string,
  watcher: BatchWatcher & { wait?: boolean } = {},
): Promise<void> {
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
      if (!isBusy(err)) throw err;
      if (watcher.wait === false) throw new BatchBusyError('another batch operation is running in this namespace');
      if (Date.now() > deadline) throw err;
      if (!warned) watcher.onWaiting?.();
      warned = true;
      await sleep(1_000);
    }
  }
}

/** The batch's state and counts as the server last reported them; undefined when it does not (yet) know the job. */
export async function describeBatch(client: Client, jobId: string): Promise<BatchProgress | undefined> {
  let described;
  try {
    described = await client.workflowService.describeBatchOperation({ namespace: client.options.namespace, jobId });
  } catch (err) {
    if ((err as { code?: number }).code === NOT_FOUND) return undefined;
    throw err;
  }
  const state =
    described.state === BatchOperationState.BATCH_OPERATION_STATE_COMPLETED
      ? 'completed'
      : described.state === BatchOperationState.BATCH_OPERATION_STATE_FAILED
        ? 'failed'
        : 'running';
  return {
    jobId,
    state,
    total: toNumber(described.totalOperationCount),
    completed: toNumber(described.completeOperationCount),
    failed: toNumber(described.failureOperationCount),
    ...(described.reason && { reason: described.reason }),
  };
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
  const initial = (await client.workflow.count(request.query)).count;
  const jobId = newJobId(request.kind);
  if (initial === 0) return { jobId, succeeded: 0, failed: 0, total: 0 };
  await startBatch(client, request, jobId, watcher);
  const startedAt = Date.now();
  for (;;) {
    const progress = await describeBatch(client, jobId);
    // A batch just started may not be visible yet.
    if (!progress) {
      if (Date.now() - startedAt > NOT_FOUND_PATIENCE_MS)
        throw new BatchFailedError(`batch operation ${jobId} vanished`);
      await sleep(POLL_MS);
      continue;
    }
    const { completed: succeeded, failed } = progress;
    const total = Math.max(progress.total, initial);
    if (progress.state === 'completed') return { jobId, succeeded, failed, total: Math.max(total, succeeded + failed) };
    if (progress.state === 'failed') {
      throw new BatchFailedError(
        `batch operation ${jobId} failed after ${succeeded} of ${total}${progress.reason ? `: ${progress.reason}` : ''}`,
      );
    }
    const left = (await client.workflow.count(request.query)).count;
    watcher.onProgress?.(Math.min(total, Math.max(succeeded + failed, initial - left)), total);
    await sleep(POLL_MS);
  }
}

export function newJobId(kind: BatchKind): string {
  return `hookway-${kind}-${randomUUID()}`;
}

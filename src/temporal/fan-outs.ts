import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import type { FanOutInput, FanOutProgress } from '../domain/fan-out';
import { fanOut, fanOutProgressQuery } from '../../workflows';
import { CAMPAIGN_ID } from '../../workflows/search-attributes';

/** A query waits for a worker to answer it; with none polling, the memo's progress (one batch older) answers instead. */
const QUERY_DEADLINE_MS = 3_000;

export interface FanOutView {
  id: string;
  campaignId?: string;
  /** Temporal's status of the workflow: Running, Completed, Cancelled, Failed, Terminated, … */
  execution: string;
  progress?: FanOutProgress;
  startedAt: Date;
  closedAt?: Date;
}

/** Starts a fan-out; a start with an id already used (a re-swept entity event) starts nothing. */
export async function startFanOut(
  client: Client,
  taskQueue: string,
  workflowId: string,
  input: FanOutInput,
): Promise<void> {
  try {
    await client.workflow.start(fanOut, {
      workflowId,
      taskQueue,
      args: [input],
      typedSearchAttributes: [{ key: CAMPAIGN_ID, value: input.campaignId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

function view(execution: Omit<WorkflowExecutionInfo, 'raw'>, progress?: FanOutProgress): FanOutView {
  return {
    id: execution.workflowId,
    campaignId: execution.typedSearchAttributes.get(CAMPAIGN_ID),
    execution: execution.status.name,
    progress: progress ?? (execution.memo?.progress as FanOutProgress | undefined),
    startedAt: execution.startTime,
    closedAt: execution.closeTime,
  };
}

/** A fan-out with its progress: asked of the running workflow, else the last one it recorded in its memo. */
export async function describeFanOut(client: Client, id: string): Promise<FanOutView | undefined> {
  const handle = client.workflow.getHandle(id);
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (description.type !== fanOut.name) return undefined;
  const progress =
    description.status.name === 'RUNNING'
      ? await client
          .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(fanOutProgressQuery))
          .catch(() => undefined)
      : undefined;
  return view(description, progress);
}

export async function listFanOuts(client: Client, campaignId: string, limit = 100): Promise<FanOutView[]> {
  const views: FanOutView[] = [];
  const query = `WorkflowType = ${JSON.stringify(fanOut.name)} AND ${CAMPAIGN_ID.name} = ${JSON.stringify(campaignId)}`;
  for await (const execution of client.workflow.list({ query })) {
    views.push(view(execution));
    if (views.length >= limit) break;
  }
  return views;
}

/** Asks a fan-out to stop; it records its progress as cancelled. False when there is none running. */
export async function cancelFanOut(client: Client, id: string): Promise<boolean> {
  const found = await describeFanOut(client, id);
  if (!found || found.execution !== 'RUNNING') return false;
  await client.workflow.getHandle(id).cancel();
  return true;
}

// Where replayed histories come from: a campaign's journeys or one journey in Temporal, or
// files in proto3 JSON form (as `temporal workflow show -o json` and record-histories write).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, type HistoryAndWorkflowId } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { journeyWorkflowId } from '../domain/journey-id';
import type { JourneyInput } from '../../workflows';
import { CliError } from './errors';
import { journeysQuery } from '../temporal/journey-queries';

type History = temporal.api.history.v1.IHistory;

export async function* campaignHistories(
  client: Client,
  campaignId: string,
  limit = Infinity,
): AsyncIterable<HistoryAndWorkflowId> {
  let count = 0;
  for await (const entry of client.workflow.list({ query: journeysQuery({ campaignId }) }).intoHistories()) {
    if (count >= limit) return;
    count += 1;
    yield entry;
  }
}

export async function journeyHistory(client: Client, workflowId: string): Promise<HistoryAndWorkflowId> {
  try {
    return { workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`journey ${workflowId} does not exist`);
    throw err;
  }
}

/**
 * A file holds no workflow id. A journey's is derived from its input, journey/<campaign>/<user>
 * (a parallel campaign's key suffix cannot be recovered); any other workflow is named by the file.
 */
function workflowIdOf(history: History, file: string): string {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  try {
    const input = payload ? defaultPayloadConverter.fromPayload<Partial<JourneyInput>>(payload) : undefined;
    if (started?.workflowType?.name === 'journey' && input?.campaign?.id && input.userId)
      return journeyWorkflowId(input.campaign.id, input.userId);
  } catch {
    // not a journey's input
  }
  return path.basename(file);
}

/**
 * `temporal workflow show -o json` writes proto3 JSON (RFC 3339 timestamps, enum names);
 * record-histories writes protobufjs's object form (timestamps as seconds and nanos).
 */
function parseHistory(json: { events?: { eventTime?: unknown }[] }): History {
  return typeof json.events?.[0]?.eventTime === 'string'
    ? historyFromJSON(json)
    : temporal.api.history.v1.History.fromObject(json);
}

export function fileHistory(file: string): HistoryAndWorkflowId & { file: string } {
  let history: History;
  try {
    history = parseHistory(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new CliError(
      `cannot read a history from ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (!history.events?.length) throw new CliError(`${file} holds no history events`);
  return { workflowId: workflowIdOf(history, file), history, file };
}

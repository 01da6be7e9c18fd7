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
import { CAMPAIGN_ID, USER_ID } from '../../workflows/search-attributes';

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

/** A value of the journey's input, or of its search attributes (which stay readable when payloads are encrypted). */
function startedJourney(history: History): { campaignId?: string; userId?: string } {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (started?.workflowType?.name !== 'journey') return {};
  const read = <T>(payload: temporal.api.common.v1.IPayload | null | undefined): T | undefined => {
    try {
      return payload ? defaultPayloadConverter.fromPayload<T>(payload) : undefined;
    } catch {
      return undefined; // encrypted, or not a journey's input
    }
  };
  const input = read<Partial<JourneyInput>>(started.input?.payloads?.[0]);
  const attributes = started.searchAttributes?.indexedFields ?? {};
  return {
    campaignId: input?.campaign?.id ?? read<string>(attributes[CAMPAIGN_ID.name]),
    userId: input?.userId ?? read<string>(attributes[USER_ID.name]),
  };
}

/**
 * A file holds no workflow id. A journey's is derived from its input or search attributes,
 * journey/<campaign>/<user> (a parallel campaign's key suffix cannot be recovered); any other
 * workflow is named by the file.
 */
function workflowIdOf(history: History, file: string): string {
  const { campaignId, userId } = startedJourney(history);
  return campaignId && userId ? journeyWorkflowId(campaignId, userId) : path.basename(file);
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

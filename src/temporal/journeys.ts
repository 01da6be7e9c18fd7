import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { Campaign } from '../domain/campaign';
import type { JourneyEvent } from '../domain/event';
import { journeyWorkflowId } from '../domain/journey-id';
import { journeyIdFor, manyRunsPerUser, triggerHandOff } from '../domain/reentry';
import { eventSignal, journey, type JourneyInput } from '../../workflows';
import { JOURNEY_GENERATION } from '../../workflows/legacy-paths';
import { CAMPAIGN_ID, CAMPAIGN_VERSION, JOURNEY_STATE, JOURNEY_STEP, USER_ID } from '../../workflows/search-attributes';

/**
 * What every journey is started with: its input, of the current generation of journey code,
 * and its search attributes, JourneyState and JourneyStep already showing the first step, so
 * the journey upserts nothing until something changes (each upsert is a visibility write).
 */
export function journeyStart(campaign: Campaign, event: JourneyEvent, version?: number) {
  const input: JourneyInput = {
    campaign,
    userId: event.userId,
    trigger: event,
    campaignVersion: version,
    generation: JOURNEY_GENERATION,
  };
  const first = campaign.steps[0]?.id;
  return {
    args: [input] as [JourneyInput],
    typedSearchAttributes: [
      { key: CAMPAIGN_ID, value: campaign.id },
      { key: USER_ID, value: event.userId },
      ...(version === undefined ? [] : [{ key: CAMPAIGN_VERSION, value: String(version) }]),
      { key: JOURNEY_STATE, value: 'running' },
      ...(first === undefined ? [] : [{ key: JOURNEY_STEP, value: first }]),
    ] as SearchAttributePair[],
    memo: { campaignName: campaign.name, triggerEvent: event.name, triggerEventId: event.id },
  };
}

/**
 * Hands a trigger event to the (campaign, user) journey, by the campaign's re-entry rule
 * (src/domain/reentry.ts), whose once and cooldown parts the journey applies as it starts.
 */
export async function enterJourney(
  client: Client,
  taskQueue: string,
  campaign: Campaign,
  version: number,
  event: JourneyEvent,
): Promise<void> {
  const options = { workflowId: journeyIdFor(campaign, event), taskQueue, ...journeyStart(campaign, event, version) };
  if (triggerHandOff(campaign.reentry) === 'replace') {
    // An event handed off again (an outbox retry) must not replace the journey it started itself.
    if (await runningFromEvent(client, options.workflowId, event.id)) return;
    await client.workflow.start(journey, { ...options, workflowIdConflictPolicy: 'TERMINATE_EXISTING' });
    return;
  }
  try {
    // Most triggers start a new journey, which finds its trigger in its input: a plain start
    // spares Temporal the signal and the read of the current run that signalWithStart adds.
    await client.workflow.start(journey, options);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // A journey runs under this id: the trigger reaches it as an event, or starts the next run
    // should that journey end in between.
    await client.workflow.signalWithStart(journey, { ...options, signal: eventSignal, signalArgs: [event] });
  }
}

/** Whether the journey running under this id was started by this event (journeys started before the memo held it never match). */
async function runningFromEvent(client: Client, workflowId: string, eventId: string): Promise<boolean> {
  try {
    const running = await client.workflow.getHandle(workflowId).describe();
    return running.status.name === 'RUNNING' && running.memo?.triggerEventId === eventId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Tells the user's running journeys of a campaign about an event they may wait for, exit or convert on. */
export async function signalJourney(client: Client, campaign: Campaign, event: JourneyEvent): Promise<void> {
  const ids = manyRunsPerUser(campaign.reentry)
    ? await runningJourneyIds(client, campaign.id, event.userId)
    : [journeyWorkflowId(campaign.id, event.userId)];
  for (const id of ids) {
    try {
      await client.workflow.getHandle(id).signal(eventSignal, event);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}

async function runningJourneyIds(client: Client, campaignId: string, userId: string): Promise<string[]> {
  const ids: string[] = [];
  const query = `${CAMPAIGN_ID.name} = ${JSON.stringify(campaignId)} AND ${USER_ID.name} = ${JSON.stringify(userId)} AND ExecutionStatus = "Running"`;
  for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids;
}

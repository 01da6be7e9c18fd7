import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Campaign } from '../domain/campaign';
import type { JourneyEvent } from '../domain/event';
import { journeyWorkflowId } from '../domain/journey-id';
import { journeyIdFor, manyRunsPerUser, triggerHandOff } from '../domain/reentry';
import { eventSignal, journey } from '../../workflows';
import { CAMPAIGN_ID, CAMPAIGN_VERSION, USER_ID } from '../../workflows/search-attributes';

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
  const options = {
    workflowId: journeyIdFor(campaign, event),
    taskQueue,
    args: [{ campaign, userId: event.userId, trigger: event, campaignVersion: version }] as [
      Parameters<typeof journey>[0],
    ],
    typedSearchAttributes: [
      { key: CAMPAIGN_ID, value: campaign.id },
      { key: USER_ID, value: event.userId },
      { key: CAMPAIGN_VERSION, value: String(version) },
    ],
    memo: { campaignName: campaign.name, triggerEvent: event.name, triggerEventId: event.id },
  };
  if (triggerHandOff(campaign.reentry) === 'replace') {
    // An event handed off again (an outbox retry) must not replace the journey it started itself.
    if (await runningFromEvent(client, options.workflowId, event.id)) return;
    await client.workflow.start(journey, { ...options, workflowIdConflictPolicy: 'TERMINATE_EXISTING' });
    return;
  }
  await client.workflow.signalWithStart(journey, { ...options, signal: eventSignal, signalArgs: [event] });
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

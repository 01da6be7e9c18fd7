import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Campaign } from '../domain/campaign';
import type { JourneyEvent } from '../domain/event';
import { journeyWorkflowId } from '../domain/journey-id';
import { eventSignal, journey } from '../../workflows';
import { CAMPAIGN_ID, USER_ID } from '../../workflows/search-attributes';

/**
 * Hands an event to the (campaign, user) journey: starts it when none is running, else
 * signals the running one. Idempotent per event id: the workflow ignores an id it has seen.
 */
export async function enterJourney(client: Client, taskQueue: string, campaign: Campaign, event: JourneyEvent): Promise<void> {
  await client.workflow.signalWithStart(journey, {
    workflowId: journeyWorkflowId(campaign.id, event.userId),
    taskQueue,
    args: [{ campaign, userId: event.userId, trigger: event }],
    signal: eventSignal,
    signalArgs: [event],
    typedSearchAttributes: [
      { key: CAMPAIGN_ID, value: campaign.id },
      { key: USER_ID, value: event.userId },
    ],
    memo: { campaignName: campaign.name, triggerEvent: event.name },
  });
}

/** Tells a running journey about an event it may wait for or exit on; no journey, nothing to do. */
export async function signalJourney(client: Client, campaignId: string, event: JourneyEvent): Promise<void> {
  try {
    await client.workflow.getHandle(journeyWorkflowId(campaignId, event.userId)).signal(eventSignal, event);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

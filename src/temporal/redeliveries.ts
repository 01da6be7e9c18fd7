import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { DeliveryRecord } from '../db/deliveries';
import { redelivery } from '../../workflows';
import { CAMPAIGN_ID, USER_ID } from '../../workflows/search-attributes';

/**
 * Starts the durable re-send of a reopened delivery. The id is unique per reopening, so two
 * operators reopening at once start one re-send, not two.
 */
export async function startRedelivery(client: Client, taskQueue: string, delivery: DeliveryRecord): Promise<string> {
  const workflowId = `redeliver/${delivery._id}/${delivery.retryBase}`;
  try {
    await client.workflow.start(redelivery, {
      workflowId,
      taskQueue,
      args: [{ deliveryId: delivery._id, retryBase: delivery.retryBase }],
      typedSearchAttributes: [
        { key: CAMPAIGN_ID, value: delivery.campaignId },
        { key: USER_ID, value: delivery.userId },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return workflowId;
}

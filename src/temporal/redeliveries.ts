import type { Client } from '@temporalio/client';
import type { DeliveryRecord } from '../db/deliveries';
import { redelivery } from '../../workflows';
import { CAMPAIGN_ID, USER_ID } from '../../workflows/search-attributes';

/** Starts the durable re-send of a reopened delivery; the id is unique per reopening. */
export async function startRedelivery(client: Client, taskQueue: string, delivery: DeliveryRecord): Promise<string> {
  const workflowId = `redeliver/${delivery._id}/${delivery.retryBase}`;
  await client.workflow.start(redelivery, {
    workflowId,
    taskQueue,
    args: [{ deliveryId: delivery._id }],
    typedSearchAttributes: [
      { key: CAMPAIGN_ID, value: delivery.campaignId },
      { key: USER_ID, value: delivery.userId },
    ],
  });
  return workflowId;
}

// "SIGTERM lets a worker finish the tasks it holds" (docs/production.md): a webhook whose
// request is in flight when its worker is told to stop gets its answer and is recorded, so
// the worker that takes over does not send it a second time.
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { campaignSchema } from '../../src/domain/campaign';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { connectClient } from '../../src/temporal/connect';
import { enterJourney } from '../../src/temporal/journeys';
import { Receiver } from '../support/receiver';
import { stack, startWorker, testCodec, uniqueId } from '../support/stack';

describe('a worker told to stop while a webhook is in flight', function () {
  this.timeout(120_000);
  const taskQueue = uniqueId('worker-stop');
  let receiver: Receiver;
  let client: Client;
  let successor: Awaited<ReturnType<typeof startWorker>> | undefined;

  before(async function () {
    receiver = await Receiver.start();
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
  });

  after(async function () {
    await client?.connection.close();
    await successor?.stop();
    await receiver?.close();
  });

  it('waits for the answer and records it; the next worker finishes the journey without sending again', async function () {
    receiver.answerWith({ status: 200, afterMs: 1_500 });
    const campaign = campaignSchema.parse({
      id: uniqueId('slow-endpoint'),
      name: 'Slow endpoint',
      trigger: { event: 'signed_up' },
      steps: [
        { id: 'hello', type: 'webhook', request: { url: `${receiver.url}/hello`, body: { user: '{{user.id}}' } } },
      ],
    });
    const userId = uniqueId('user');
    const worker = await startWorker(taskQueue);
    await enterJourney(client, taskQueue, campaign, 1, {
      id: uniqueId('evt'),
      name: 'signed_up',
      userId,
      timestamp: new Date().toISOString(),
      properties: {},
    });
    await receiver.waitFor(1);
    await worker.stop();

    successor = await startWorker(taskQueue);
    const result = await client.workflow.getHandle(journeyWorkflowId(campaign.id, userId)).result();
    assert.equal(result.outcome, 'completed');
    assert.equal(receiver.requests.length, 1, 'the webhook was sent once');
  });
});

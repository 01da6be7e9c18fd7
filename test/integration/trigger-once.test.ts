// "The same event id sent twice starts at most one journey", even when the gateway hands the
// event off again after the first journey ended: found by the chaos run (FerretDB stopped
// between a hand-off and the outbox update, so the sweep routed the event a second time).
// And a new trigger for a journey still running reaches that journey.
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { campaignSchema } from '../../src/domain/campaign';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { connectClient } from '../../src/temporal/connect';
import { enterJourney } from '../../src/temporal/journeys';
import { Receiver } from '../support/receiver';
import { stack, startWorker, uniqueId, testCodec } from '../support/stack';

describe('a trigger event for a journey already started', function () {
  this.timeout(120_000);
  const taskQueue = uniqueId('trigger-once');
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Client;

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
  });

  after(async function () {
    await client?.connection.close();
    await worker?.stop();
    await receiver?.close();
  });

  it('starts no second journey, while a new event re-enters as usual', async function () {
    const campaign = campaignSchema.parse({
      id: uniqueId('welcome'),
      name: 'Welcome',
      trigger: { event: 'signed_up' },
      steps: [
        { id: 'hello', type: 'webhook', request: { url: `${receiver.url}/hello`, body: { user: '{{user.id}}' } } },
      ],
    });
    const userId = uniqueId('user');
    const event = (id: string) => ({
      id,
      name: 'signed_up',
      userId,
      timestamp: new Date().toISOString(),
      properties: {},
    });
    const handle = client.workflow.getHandle(journeyWorkflowId(campaign.id, userId));

    await enterJourney(client, taskQueue, campaign, 1, event('evt-1'));
    assert.equal((await handle.result()).outcome, 'completed');
    await enterJourney(client, taskQueue, campaign, 1, event('evt-1'));
    assert.deepEqual(await handle.result(), {
      outcome: 'notAdmitted',
      reason: 'event evt-1 already started this journey',
    });
    assert.equal(receiver.requests.length, 1);

    await enterJourney(client, taskQueue, campaign, 1, event('evt-2'));
    assert.equal((await handle.result()).outcome, 'completed');
    assert.equal(receiver.requests.length, 2);
  });

  it('starts one journey and sends one webhook when two gateways hand the same event off at once', async function () {
    // What the gateway relies on to hand most events off without a claim (src/gateway/event-router.ts).
    const campaign = campaignSchema.parse({
      id: uniqueId('at-once'),
      name: 'At once',
      trigger: { event: 'signed_up' },
      steps: [{ id: 'hello', type: 'webhook', request: { url: `${receiver.url}/at-once` } }],
    });
    const userId = uniqueId('user');
    const event = {
      id: uniqueId('evt'),
      name: 'signed_up',
      userId,
      timestamp: new Date().toISOString(),
      properties: {},
    };
    await Promise.all([1, 2, 3].map(() => enterJourney(client, taskQueue, campaign, 1, event)));
    const handle = client.workflow.getHandle(journeyWorkflowId(campaign.id, userId));
    // A second run would be the latest, and not admitted.
    assert.equal((await handle.result()).outcome, 'completed');
    assert.equal(receiver.requests.filter((r) => r.path === '/at-once').length, 1);
  });

  it('hands a trigger for a journey still running to that journey, as an event it can wait for', async function () {
    // A new journey is started plainly; only a start that finds one running signals it.
    const campaign = campaignSchema.parse({
      id: uniqueId('again'),
      name: 'Again',
      trigger: { event: 'viewed' },
      steps: [
        { id: 'second', type: 'waitForEvent', event: 'viewed', timeout: '1h', onEvent: 'hello' },
        { id: 'gaveUp', type: 'exit' },
        {
          id: 'hello',
          type: 'webhook',
          request: { url: `${receiver.url}/again`, body: { ref: '{{steps.second.event.id}}' } },
        },
      ],
    });
    const userId = uniqueId('user');
    const event = (id: string) => ({ id, name: 'viewed', userId, timestamp: new Date().toISOString(), properties: {} });
    const handle = client.workflow.getHandle(journeyWorkflowId(campaign.id, userId));
    await enterJourney(client, taskQueue, campaign, 1, event('view-1'));
    const first = await handle.describe();
    await enterJourney(client, taskQueue, campaign, 1, event('view-2'));
    assert.equal((await handle.result()).outcome, 'completed');
    // One journey: the second trigger did not start another run.
    assert.equal((await handle.describe()).runId, first.runId);
    const sent = receiver.requests.filter((r) => r.path === '/again');
    assert.deepEqual(
      sent.map((r) => r.json),
      [{ ref: 'view-2' }],
    );
  });
});

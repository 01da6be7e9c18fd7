// The first journey end to end: real Temporal dev server, real FerretDB, the real gateway and
// worker, and a real HTTP server as the SMS provider.
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../src/gateway/start';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { verifyWebhook } from '../../src/verify-webhook';
import { connectClient } from '../../src/temporal/connect';
import { Receiver } from '../support/receiver';
import {
  api,
  eventually,
  stack,
  startTestGateway,
  startWorker,
  testRepositories,
  uniqueId,
  testCodec,
} from '../support/stack';

function priceDropCampaign(id: string, destination: string) {
  return {
    id,
    name: 'Price drop',
    trigger: { event: 'price_dropped', where: { field: 'event.properties.dropPercent', op: 'gte', value: 5 } },
    audience: { field: 'user.properties.smsOptIn', op: 'eq', value: true },
    steps: [
      {
        id: 'sms',
        type: 'webhook',
        request: {
          method: 'POST',
          destination,
          path: '/sms',
          headers: { 'x-campaign': '{{campaign.id}}' },
          body: {
            to: '{{user.properties.phone}}',
            text: 'The price of your bookmarked [{{event.properties.productName}}] has dropped by {{event.properties.dropPercent}}%!',
            dropPercent: '{{event.properties.dropPercent}}',
          },
        },
      },
    ],
  };
}

describe('a price-drop journey, end to end', function () {
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let campaignId: string;
  let signingSecret: string;
  const taskQueue = uniqueId('e2e');

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    campaignId = uniqueId('price-drop');
    const destinationId = uniqueId('sms-provider');
    // Short retry delays so the 503, 503, 200 sequence completes in seconds on the real server.
    const destination = await api(gateway, 'POST', '/v1/destinations', {
      id: destinationId,
      name: 'SMS provider',
      url: receiver.url,
      retryDelays: ['1s', '1s'],
    });
    assert.equal(destination.status, 201);
    signingSecret = destination.body.signingSecret;
    assert.equal(
      (await api(gateway, 'POST', '/v1/campaigns', priceDropCampaign(campaignId, destinationId))).status,
      201,
    );
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
  });

  after(async function () {
    await gateway.close();
    await worker.stop();
    await receiver.close();
  });

  beforeEach(function () {
    receiver.requests.length = 0;
  });

  it('retries 503 twice with one webhook-id, delivers the personalised body, and logs three attempts', async function () {
    receiver.answerWith({ status: 503 }, { status: 503 }, { status: 200 });
    const userId = uniqueId('user');
    const sent = await api(gateway, 'POST', '/v1/events', {
      id: uniqueId('evt'),
      userId,
      name: 'price_dropped',
      properties: { productName: 'Apple MacBook Pro', dropPercent: 5 },
      userProperties: { phone: '+821012345678', smsOptIn: true },
    });
    assert.equal(sent.status, 202);
    assert.deepEqual(
      { accepted: sent.body.accepted, duplicates: sent.body.duplicates },
      { accepted: 1, duplicates: 0 },
    );

    const requests = await receiver.waitFor(3);
    assert.equal(
      new Set(requests.map((r) => r.headers['webhook-id'])).size,
      1,
      'every attempt carries the same webhook-id',
    );
    assert.match(String(requests[0].headers['webhook-id']), /^msg_/);
    assert.equal(requests[2].path, '/sms');
    const verified = verifyWebhook({ secret: signingSecret, headers: requests[2].headers, body: requests[2].body });
    assert.equal(
      verified.id,
      requests[0].headers['webhook-id'],
      'the receiver can verify the Standard Webhooks signature',
    );
    assert.equal(requests[2].headers['x-campaign'], campaignId);
    assert.deepEqual(requests[2].json, {
      to: '+821012345678',
      text: 'The price of your bookmarked [Apple MacBook Pro] has dropped by 5%!',
      dropPercent: 5,
    });

    const delivery = await eventually(async () => {
      const { body } = await api(gateway, 'GET', `/v1/deliveries?campaignId=${campaignId}&userId=${userId}`);
      const [d] = body.deliveries;
      return d?.status === 'succeeded' ? d : undefined;
    });
    assert.equal(delivery.id, requests[0].headers['webhook-id']);
    assert.equal(delivery.journeyId, journeyWorkflowId(campaignId, userId));
    assert.deepEqual(
      delivery.attempts.map((a: { status: number }) => a.status),
      [503, 503, 200],
    );
    for (const attempt of delivery.attempts) assert.equal(typeof attempt.latencyMs, 'number');
  });

  it('starts no second journey for an event id it has seen', async function () {
    const userId = uniqueId('user');
    const event = {
      id: uniqueId('evt'),
      userId,
      name: 'price_dropped',
      properties: { productName: 'iPad', dropPercent: 10 },
      userProperties: { phone: '+821000000000', smsOptIn: true },
    };
    assert.deepEqual((await api(gateway, 'POST', '/v1/events', event)).body.duplicates, 0);
    await receiver.waitFor(1);
    const client = await connectClient(stack().temporalAddress, 'default', testCodec());
    try {
      await client.workflow.getHandle(journeyWorkflowId(campaignId, userId)).result();
      const again = await api(gateway, 'POST', '/v1/events', { events: [event] });
      assert.deepEqual(
        { accepted: again.body.accepted, duplicates: again.body.duplicates },
        { accepted: 0, duplicates: 1 },
      );
      // Had the duplicate been routed, a second run would start and call the receiver again.
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(receiver.requests.length, 1);
      const runs = await client.workflow.count(`WorkflowId = "${journeyWorkflowId(campaignId, userId)}"`);
      assert.equal(runs.count, 1);
    } finally {
      await client.connection.close();
    }
  });

  it('sends nothing to a user outside the audience, and nothing for an event the trigger filters out', async function () {
    const outsider = uniqueId('user');
    const filtered = uniqueId('user');
    await api(gateway, 'POST', '/v1/events', {
      events: [
        {
          userId: outsider,
          name: 'price_dropped',
          properties: { productName: 'iPad', dropPercent: 20 },
          userProperties: { smsOptIn: false },
        },
        {
          userId: filtered,
          name: 'price_dropped',
          properties: { productName: 'iPad', dropPercent: 2 },
          userProperties: { smsOptIn: true },
        },
      ],
    });
    const client = await connectClient(stack().temporalAddress, 'default', testCodec());
    try {
      const result = await eventually(async () => {
        try {
          return await client.workflow.getHandle(journeyWorkflowId(campaignId, outsider)).result();
        } catch {
          return undefined;
        }
      });
      assert.equal(result.outcome, 'notInAudience');
      const repositories = await testRepositories(taskQueue);
      try {
        const stored = await repositories.events.findPendingRoutes(new Date(Date.now() + 60_000), 1_000);
        assert.ok(!stored.some((e) => e.userId === filtered), 'a filtered-out event owes no route');
        assert.equal(
          await client.workflow.count(`WorkflowId = "${journeyWorkflowId(campaignId, filtered)}"`).then((c) => c.count),
          0,
        );
      } finally {
        await repositories.connection.close();
      }
      assert.equal(receiver.requests.length, 0);
    } finally {
      await client.connection.close();
    }
  });

  it('routes an exit event that is not a trigger to the running journey, which ends at once', async function () {
    const id = uniqueId('nudge');
    await api(gateway, 'POST', '/v1/campaigns', {
      id,
      name: 'Nudge',
      trigger: { event: 'cart_created' },
      exitOn: [{ event: 'cart_abandoned_reverted' }],
      steps: [
        { id: 'wait', type: 'delay', duration: '1h' },
        { id: 'nudge', type: 'webhook', request: { url: `${receiver.url}/nudge` } },
      ],
    });
    await api(gateway, 'POST', `/v1/campaigns/${id}/activate`);
    const userId = uniqueId('user');
    await api(gateway, 'POST', '/v1/events', { userId, name: 'cart_created' });
    const client = await connectClient(stack().temporalAddress, 'default', testCodec());
    try {
      const handle = client.workflow.getHandle(journeyWorkflowId(id, userId));
      await eventually(async () =>
        (await handle.describe().catch(() => undefined))?.status.name === 'RUNNING' ? true : undefined,
      );
      await api(gateway, 'POST', '/v1/events', { userId, name: 'cart_abandoned_reverted' });
      assert.deepEqual(await handle.result(), { outcome: 'exited', reason: 'event:cart_abandoned_reverted' });
      assert.equal(receiver.requests.length, 0);
    } finally {
      await client.connection.close();
    }
  });
});

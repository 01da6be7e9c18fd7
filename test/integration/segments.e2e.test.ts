// A campaign whose audience is a behavioural segment and whose branch counts events, end to
// end: gateway, worker, Temporal dev server, FerretDB and a real HTTP receiver.
import assert from 'node:assert/strict';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import type { RunningGateway } from '../../src/gateway/start';
import { connectClient } from '../../src/temporal/connect';
import { Receiver } from '../support/receiver';
import { api, eventually, stack, startTestGateway, startWorker, testCodec, uniqueId } from '../support/stack';

describe('segments in a running campaign, end to end', function () {
  this.timeout(120_000);
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  const taskQueue = uniqueId('segments-e2e');
  const campaignId = uniqueId('loyalty');

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    const segment = { id: 'buyers', name: 'Bought this month', condition: { performed: 'purchase', within: '30d' } };
    assert.equal((await api(gateway, 'POST', '/v1/segments', segment)).status, 201);
    const campaign = {
      id: campaignId,
      name: 'Loyalty thanks',
      trigger: { event: 'app_opened' },
      audience: { segment: 'buyers' },
      steps: [
        {
          id: 'split',
          type: 'branch',
          cases: [{ when: { performed: 'purchase', atLeast: 2, within: '30d' }, next: 'vip' }],
          default: 'regular',
        },
        {
          id: 'vip',
          type: 'webhook',
          request: { url: `${receiver.url}/vip`, body: { user: '{{user.id}}' } },
          next: 'done',
        },
        { id: 'regular', type: 'webhook', request: { url: `${receiver.url}/regular`, body: { user: '{{user.id}}' } } },
        { id: 'done', type: 'exit' },
      ],
    };
    const created = await api(gateway, 'POST', '/v1/campaigns', campaign);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
  });

  after(async function () {
    await gateway.close();
    await worker.stop();
    await receiver.close();
  });

  it('enters only segment members and branches on how often they bought', async function () {
    const users = { alice: uniqueId('alice'), bob: uniqueId('bob'), carl: uniqueId('carl') };
    const day = 86_400_000;
    const purchase = (userId: string, daysAgo: number) => ({
      userId,
      name: 'purchase',
      timestamp: new Date(Date.now() - daysAgo * day).toISOString(),
    });
    const history = [
      purchase(users.alice, 3),
      purchase(users.alice, 10),
      purchase(users.bob, 5),
      purchase(users.carl, 45),
    ];
    assert.equal((await api(gateway, 'POST', '/v1/events', { events: history })).status, 202);
    const opened = Object.values(users).map((userId) => ({ userId, name: 'app_opened' }));
    assert.equal((await api(gateway, 'POST', '/v1/events', { events: opened })).status, 202);

    const deliveries = await eventually(async () => (receiver.requests.length >= 2 ? receiver.requests : undefined));
    const byPath = Object.fromEntries(deliveries.map((r) => [r.path, (r.json as { user: string }).user]));
    assert.deepEqual(byPath, { '/vip': users.alice, '/regular': users.bob });

    const alice = await eventually(async () => {
      const answer = await api(gateway, 'GET', `/v1/users/${users.alice}`);
      return answer.body.journeys?.[0]?.status === 'ended' ? answer.body : undefined;
    });
    assert.equal(alice.journeys[0].campaignId, campaignId);
    const ownEvents = alice.recentEvents
      .map((e: { name: string }) => e.name)
      .filter((name: string) => !name.startsWith('hookway.'));
    assert.deepEqual(ownEvents, ['app_opened', 'purchase', 'purchase']);
    // Carl bought too long ago: the audience refused him, so nothing more arrives.
    const client = await connectClient(stack().temporalAddress, 'default', testCodec());
    try {
      assert.deepEqual(await client.workflow.getHandle(journeyWorkflowId(campaignId, users.carl)).result(), {
        outcome: 'notInAudience',
      });
    } finally {
      await client.connection.close();
    }
    assert.equal(receiver.requests.length, 2);
  });

  it("a journey's audience check counts the event that started it: routing waits for the user's history", async function () {
    const firstOrder = uniqueId('first-order');
    const campaign = {
      id: firstOrder,
      name: 'Thanks for a first order',
      trigger: { event: 'order_placed' },
      audience: { performed: 'order_placed', atLeast: 1, atMost: 1, within: '1d' },
      steps: [
        {
          id: 'thanks',
          type: 'webhook',
          request: { url: `${receiver.url}/first-order`, body: { user: '{{user.id}}' } },
        },
      ],
    };
    assert.equal((await api(gateway, 'POST', '/v1/campaigns', campaign)).status, 201);
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${firstOrder}/activate`)).status, 200);
    const userId = uniqueId('dora');
    assert.equal((await api(gateway, 'POST', '/v1/events', { userId, name: 'order_placed' })).status, 202);
    const thanked = await eventually(async () => {
      const found = receiver.requests.filter((r) => r.path === '/first-order');
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(
      thanked.map((r) => r.json),
      [{ user: userId }],
    );
  });
});

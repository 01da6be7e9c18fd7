// "The price of your bookmarked item dropped": an entity event without a user reaches exactly
// the users whose profile matches the campaign's audience, compared with the event's own value.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import type { RunningGateway } from '../../src/gateway/start';
import { Receiver } from '../support/receiver';
import { api, eventually, startTestGateway, startWorker, testRepositories, uniqueId } from '../support/stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('entity events fan out to the matching users', function () {
  this.timeout(300_000);
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let repositories: Repositories;
  const taskQueue = uniqueId('entity');

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    repositories = await testRepositories(taskQueue);
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
    await repositories?.connection.close();
  });

  it('enters exactly the users whose bookmarks hold the product whose price dropped, once each', async function () {
    const prefix = uniqueId('shopper');
    // A few thousand profiles; every 97th bookmarked product 42, the others other products.
    const profiles = Array.from({ length: 2_000 }, (_, i) => ({
      userId: `${prefix}-${String(i).padStart(5, '0')}`,
      properties: { bookmarks: i % 97 === 0 ? [7, 42] : [7, 43], phone: `+8210${i}` },
      seenAt: new Date(),
    }));
    await repositories.profiles.merge(profiles);
    const expected = profiles.filter((p) => p.properties.bookmarks.includes(42)).map((p) => p.userId);

    const campaignId = uniqueId('price-drop');
    const saved = await api(gateway, 'POST', '/v1/campaigns', {
      id: campaignId,
      name: 'Bookmarked item price drop',
      trigger: { event: 'price_dropped', entityEvents: true },
      audience: { field: 'user.properties.bookmarks', op: 'contains', valueFrom: 'event.properties.productId' },
      steps: [
        {
          id: 'sms',
          type: 'webhook',
          request: {
            url: `${receiver.url}/sms`,
            body: { to: '{{user.properties.phone}}', user: '{{user.id}}', product: '{{event.properties.productName}}' },
          },
        },
      ],
    });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);

    const eventId = uniqueId('evt');
    const sent = await api(gateway, 'POST', '/v1/events', {
      id: eventId,
      name: 'price_dropped',
      properties: { productId: 42, productName: 'MacBook Pro' },
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    assert.equal(sent.body.accepted, 1);

    await receiver.waitFor(expected.length, 240_000);
    const fanOutId = `fanout:event:${campaignId}:${eventId}`;
    const done = await eventually(async () => {
      const view = (await api(gateway, 'GET', `/v1/fanouts/${encodeURIComponent(fanOutId)}`)).body;
      return view?.progress?.status === 'completed' ? view : undefined;
    }, 120_000);
    assert.equal(done.progress.matched, expected.length);
    await sleep(1_000);
    const reached = receiver.requests.map((r) => (r.json as { user: string }).user).sort();
    assert.deepEqual(reached, expected);
    assert.ok(receiver.requests.every((r) => (r.json as { product: string }).product === 'MacBook Pro'));

    // The same event again is a duplicate and starts nothing.
    const again = await api(gateway, 'POST', '/v1/events', {
      id: eventId,
      name: 'price_dropped',
      properties: { productId: 42 },
    });
    assert.equal(again.body.duplicates, 1);
  });
});

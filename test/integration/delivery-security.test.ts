// Delivery and template security (issue 14), as a receiver and an operator see it: a templated
// path cannot leave its destination, a destination moved to another origin does not take its
// credentials along, and API answers hide every destination header value and query string.
// Real Temporal dev server, real FerretDB, the gateway and worker in-process, real receivers.
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../src/gateway/start';
import { Receiver } from '../support/receiver';
import { api, eventually, startTestGateway, startWorker, uniqueId } from '../support/stack';

interface Delivery {
  status: string;
  error?: string;
}

describe('delivery security (dev server)', function () {
  const taskQueue = uniqueId('delivery-security');
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let receivers: Receiver[] = [];

  before(async function () {
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
  });

  afterEach(async function () {
    await Promise.all(receivers.map((r) => r.close()));
    receivers = [];
  });

  async function startReceiver(): Promise<Receiver> {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    return receiver;
  }

  async function createDestination(url: string, options: Record<string, unknown> = {}): Promise<string> {
    const id = uniqueId('dest');
    const created = await api(gateway, 'POST', '/v1/destinations', {
      id,
      name: 'Receiver',
      url,
      retryDelays: ['1s'],
      ...options,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return id;
  }

  async function createCampaign(request: Record<string, unknown>, activate = false) {
    const id = uniqueId('campaign');
    const event = `${id}.fired`;
    const steps = [
      { id: 'hook', type: 'webhook', request: { method: 'POST', body: { user: '{{user.id}}' }, ...request } },
    ];
    const created = await api(gateway, 'POST', '/v1/campaigns', { id, name: 'Security', trigger: { event }, steps });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    if (activate) assert.equal((await api(gateway, 'POST', `/v1/campaigns/${id}/activate`)).status, 200);
    return { id, event };
  }

  async function testSend(campaignId: string, properties: Record<string, unknown> = {}) {
    const sent = await api(gateway, 'POST', `/v1/campaigns/${campaignId}/test-send`, {
      userId: uniqueId('user'),
      event: { properties },
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    return sent;
  }

  it('keeps a templated path under its destination: hostile values land as one segment, dot segments fail as template errors', async function () {
    const receiver = await startReceiver();
    const token = 'tok_PATH_SECRET';
    const destination = await createDestination(`${receiver.url}/api`, { auth: { type: 'bearer', token } });
    const campaign = await createCampaign({ destination, path: '/orders/{{event.properties.id}}' }, true);
    const hostile = ['../../admin/users', '%2e%2e/', '..\\admin', 'ok?role=admin#'];
    const events = [...hostile, '..'].map((id) => ({
      id: uniqueId('evt'),
      userId: uniqueId('user'),
      name: campaign.event,
      properties: { id },
    }));
    assert.equal((await api(gateway, 'POST', '/v1/events', { events })).status, 202);

    const requests = await receiver.waitFor(hostile.length);
    const reached = requests.map((r) => r.path).sort();
    const expected = hostile.map((id) => `/api/orders/${encodeURIComponent(id)}`).sort();
    assert.deepEqual(reached, expected, 'each value is one segment under /api/orders, with no query string');
    for (const request of requests) assert.equal(request.headers.authorization, `Bearer ${token}`);

    const climbing = events.at(-1)!;
    const failed = await eventually(async () => {
      const listed = await api(gateway, 'GET', `/v1/deliveries?campaignId=${campaign.id}&userId=${climbing.userId}`);
      const [delivery] = listed.body.deliveries as Delivery[];
      return delivery?.status === 'failed' ? delivery : undefined;
    });
    assert.match(failed.error ?? '', /template: path: .*"\." or "\.\." segment/);
    assert.equal(receiver.requests.length, hostile.length, 'the dot-segment delivery was never sent');
  });

  it("drops a destination's stored auth when its URL moves to another origin, and keeps it on the same origin", async function () {
    const [first, second] = [await startReceiver(), await startReceiver()];
    const token = 'tok_MOVE_SECRET';
    const destination = await createDestination(`${first.url}/hook`, { auth: { type: 'bearer', token } });
    const campaign = await createCampaign({ destination });

    const samePlace = await api(gateway, 'PUT', `/v1/destinations/${destination}`, {
      name: 'Receiver',
      url: `${first.url}/other`,
    });
    assert.equal(samePlace.status, 200);
    assert.equal(samePlace.body.auth?.type, 'bearer');
    await testSend(campaign.id);
    assert.equal((await first.waitFor(1))[0].headers.authorization, `Bearer ${token}`);

    const moved = await api(gateway, 'PUT', `/v1/destinations/${destination}`, {
      name: 'Receiver',
      url: `${second.url}/hook`,
    });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.auth, undefined, 'the answer shows the auth is gone');
    await testSend(campaign.id);
    const [arrived] = await second.waitFor(1);
    assert.equal(arrived.headers.authorization, undefined, 'the old token went to the new origin');
  });

  it('hides every destination header value and query string in API answers, yet sends them, and a PUT of what GET showed keeps them', async function () {
    const receiver = await startReceiver();
    const headers = {
      'X-Auth': 'hv-auth',
      'X-Access': 'hv-access',
      'Api-Credential': 'hv-credential',
      'X-Session': 'hv-session',
    };
    const destination = await createDestination(`${receiver.url}/hook?token=qv-token`, { headers });
    const campaign = await createCampaign({ destination, headers: { 'X-Step': 'visible' } }, true);
    const secrets = [...Object.values(headers), 'qv-token'];

    const userId = uniqueId('user');
    assert.equal((await api(gateway, 'POST', '/v1/events', { userId, name: campaign.event })).status, 202);
    const [delivered] = await receiver.waitFor(1);
    assert.equal(delivered.path, '/hook?token=qv-token');
    for (const [name, value] of Object.entries(headers)) assert.equal(delivered.headers[name.toLowerCase()], value);
    await eventually(async () => {
      const listed = await api(gateway, 'GET', `/v1/deliveries?campaignId=${campaign.id}`);
      return (listed.body.deliveries as Delivery[]).find((d) => d.status === 'succeeded');
    });

    const shown = await api(gateway, 'GET', `/v1/destinations/${destination}`);
    const answers = [
      shown,
      await api(gateway, 'GET', '/v1/destinations'),
      await api(gateway, 'GET', `/v1/deliveries?campaignId=${campaign.id}`),
      await testSend(campaign.id),
    ];
    for (const answer of answers) {
      const text = JSON.stringify(answer.body);
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `an API answer shows ${secret}: ${text.slice(0, 300)}`);
    }
    assert.deepEqual(shown.body.headers, Object.fromEntries(Object.keys(headers).map((name) => [name, '[redacted]'])));
    assert.equal(shown.body.url, `${receiver.url}/hook?token=[redacted]`);
    assert.match(JSON.stringify(answers[3].body), /"X-Step":"visible"/, 'a step header is still shown');

    const { name, url, headers: hidden } = shown.body;
    assert.equal(
      (await api(gateway, 'PUT', `/v1/destinations/${destination}`, { name, url, headers: hidden })).status,
      200,
    );
    await testSend(campaign.id);
    const [, again] = await receiver.waitFor(3);
    assert.equal(again.path, '/hook?token=qv-token');
    assert.equal(again.headers['x-session'], 'hv-session');
  });
});

// The API the studio adds (/v1/studio/...), against a real gateway, worker, Temporal, FerretDB
// and a loopback receiver: what each route answers, and the field each bad input is refused for.
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../src/gateway/start';
import { Receiver } from '../support/receiver';
import { api, eventually, startTestGateway, startWorker, uniqueId } from '../support/stack';

describe('the studio API', function () {
  this.timeout(120_000);
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let receiver: Receiver;
  const taskQueue = uniqueId('studio-api');
  const draft = (url: string, extra: Record<string, unknown> = {}) => ({
    id: 'draft',
    name: 'Draft',
    trigger: { event: 'cart_left' },
    steps: [
      { id: 'wait', type: 'delay', duration: '1h' },
      {
        id: 'remind',
        type: 'webhook',
        request: { url, body: { to: '{{user.properties.email}}', item: '{{event.properties.item}}' } },
      },
    ],
    ...extra,
  });

  before(async function () {
    [worker, gateway, receiver] = await Promise.all([
      startWorker(taskQueue),
      startTestGateway(taskQueue, { temporalUiUrl: 'http://ui.example:8233' }),
      Receiver.start(),
    ]);
    await api(gateway, 'POST', '/v1/users/ann', { properties: { email: 'ann@example.com', tier: 'gold' } });
    assert.equal(
      (
        await api(gateway, 'POST', '/v1/events', {
          name: 'cart_left',
          userId: 'bob',
          properties: { item: 'lamp', price: 30 },
        })
      ).status,
      202,
    );
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
  });

  it("previews a draft's webhook step without sending it, and sends it on request", async function () {
    const body = {
      campaign: draft(`${receiver.url}/remind`),
      stepId: 'remind',
      userId: 'ann',
      event: { properties: { item: 'lamp' } },
    };
    const preview = await api(gateway, 'POST', '/v1/studio/test-send', body);
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(JSON.parse(preview.body.request.body), { to: 'ann@example.com', item: 'lamp' });
    assert.equal(preview.body.response, undefined);
    assert.equal(receiver.requests.length, 0, 'a preview sends nothing');

    const sent = await api(gateway, 'POST', '/v1/studio/test-send', { ...body, send: true });
    assert.equal(sent.body.response.status, 200);
    assert.deepEqual(
      receiver.requests.map((r) => r.json),
      [{ to: 'ann@example.com', item: 'lamp' }],
    );
  });

  it('refuses a bad draft or step naming the field, and sends nothing', async function () {
    const bad = await api(gateway, 'POST', '/v1/studio/test-send', {
      campaign: draft(`${receiver.url}/x`, { trigger: { event: 'no spaces' } }),
      stepId: 'remind',
      userId: 'ann',
      send: true,
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.error.issues.map((i: { path: string }) => i.path),
      ['trigger.event'],
    );
    const notWebhook = await api(gateway, 'POST', '/v1/studio/test-send', {
      campaign: draft(`${receiver.url}/x`),
      stepId: 'wait',
      userId: 'ann',
      send: true,
    });
    assert.equal(notWebhook.status, 400);
    assert.equal(notWebhook.body.error.issues[0].path, 'stepId');
    assert.equal((await api(gateway, 'GET', '/v1/studio/variables?event=not%20a%20name')).status, 400);
    const segment = await api(gateway, 'POST', '/v1/studio/segment-preview', { condition: { segment: 'nope' } });
    assert.equal(segment.status, 400);
    assert.equal(segment.body.error.issues[0].path, 'condition.segment');
    assert.equal((await api(gateway, 'GET', '/v1/studio/journey?id=not-a-journey')).status, 400);
    assert.equal(receiver.requests.filter((r) => r.path === '/x').length, 0);
  });

  it("lists the property names seen in profiles and in events of the trigger's name", async function () {
    const { body } = await api(gateway, 'GET', '/v1/studio/variables?event=cart_left');
    assert.ok(
      body.user.includes('user.properties.email') && body.user.includes('user.properties.tier'),
      JSON.stringify(body),
    );
    assert.deepEqual(body.event, ['event.properties.item', 'event.properties.price']);
  });

  it('previews an unsaved segment: count and sample', async function () {
    const { body } = await api(gateway, 'POST', '/v1/studio/segment-preview', {
      condition: { field: 'user.properties.tier', op: 'eq', value: 'gold' },
    });
    assert.deepEqual(body, { count: 1, exact: true, sample: ['ann'] });
  });

  it('shows each saved version, and inspects and cancels a waiting journey', async function () {
    const id = uniqueId('waits');
    const campaign = { ...draft(`${receiver.url}/remind`), id };
    assert.equal((await api(gateway, 'POST', '/v1/campaigns', campaign)).status, 201);
    assert.equal((await api(gateway, 'PUT', `/v1/campaigns/${id}`, { ...campaign, name: 'Renamed' })).status, 200);
    const [v1, v2] = await Promise.all(
      [1, 2].map((v) => api(gateway, 'GET', `/v1/studio/campaigns/${id}/versions/${v}`)),
    );
    assert.deepEqual([v1.body.definition.name, v2.body.definition.name], ['Draft', 'Renamed']);
    assert.equal((await api(gateway, 'GET', `/v1/studio/campaigns/${id}/versions/3`)).status, 404);

    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${id}/activate`)).status, 200);
    assert.equal(
      (await api(gateway, 'POST', '/v1/events', { name: 'cart_left', userId: 'ann', properties: { item: 'desk' } }))
        .status,
      202,
    );
    const journeyId = `journey/${id}/ann`;
    const path = `/v1/studio/journey?id=${encodeURIComponent(journeyId)}`;
    const waiting = await eventually(async () => {
      const { body } = await api(gateway, 'GET', path);
      return body.state?.waitingFor?.startsWith('delay until') ? body : undefined;
    });
    assert.equal(waiting.status, 'RUNNING');
    assert.equal(
      waiting.temporalUrl,
      `http://ui.example:8233/namespaces/default/workflows/${encodeURIComponent(journeyId)}`,
    );
    const kinds = waiting.moments.map(
      (m: { kind: string; detail?: string }) => `${m.kind}:${m.kind === 'timer' ? 'set' : (m.detail ?? '')}`,
    );
    for (const expected of ['event:cart_left', 'step:wait', 'waiting:', 'timer:set'])
      assert.ok(kinds.includes(expected), kinds.join(', '));
    const timer = waiting.moments.find((m: { kind: string }) => m.kind === 'timer');
    assert.ok(
      Math.abs(Date.parse(timer.detail) - Date.parse(timer.at) - 3_600_000) < 1_000,
      'the wait ends an hour after it began',
    );

    assert.equal(
      (await api(gateway, 'POST', `/v1/studio/journey/cancel?id=${encodeURIComponent(journeyId)}`)).status,
      202,
    );
    await eventually(async () => ((await api(gateway, 'GET', path)).body.status === 'CANCELLED' ? true : undefined));
    assert.equal(
      (await api(gateway, 'POST', `/v1/studio/journey/cancel?id=${encodeURIComponent(journeyId)}`)).status,
      409,
    );
    assert.equal(
      receiver.requests.filter((r) => r.json && (r.json as { item?: string }).item === 'desk').length,
      0,
      'the cancelled journey sent nothing',
    );
  });

  it('cancels every running journey of a campaign as one batch, with its progress', async function () {
    const id = uniqueId('batch');
    assert.equal((await api(gateway, 'POST', '/v1/campaigns', { ...draft(`${receiver.url}/remind`), id })).status, 201);
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${id}/activate`)).status, 200);
    const users = ['cy', 'dee', 'eve'];
    const events = users.map((userId) => ({ name: 'cart_left', userId, properties: { item: 'rug' } }));
    assert.equal((await api(gateway, 'POST', '/v1/events', { events })).status, 202);
    await eventually(async () =>
      (await api(gateway, 'GET', `/v1/campaigns/${id}`)).body.versions[0].runningJourneys === 3 ? true : undefined,
    );

    const started = await api(gateway, 'POST', `/v1/studio/campaigns/${id}/cancel-journeys`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const done = await eventually(async () => {
      const { body } = await api(gateway, 'GET', `/v1/studio/batch?jobId=${encodeURIComponent(started.body.jobId)}`);
      return body.state === 'running' ? undefined : body;
    }, 60_000);
    assert.deepEqual(
      { state: done.state, total: done.total, completed: done.completed, failed: done.failed },
      { state: 'completed', total: 3, completed: 3, failed: 0 },
    );
    // The batch is done once each journey was asked to cancel; each then ends on its own.
    for (const user of users) {
      const path = `/v1/studio/journey?id=${encodeURIComponent(`journey/${id}/${user}`)}`;
      await eventually(async () => ((await api(gateway, 'GET', path)).body.status === 'CANCELLED' ? true : undefined));
    }
    assert.equal((await api(gateway, 'POST', '/v1/studio/campaigns/nope/cancel-journeys')).status, 404);
    assert.equal((await api(gateway, 'GET', '/v1/studio/batch?jobId=x')).status, 400);
  });
});

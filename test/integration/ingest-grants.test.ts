// What an ingest key may send: events for one user, yes; events without a user (which enter a
// campaign's whole audience) only with an explicit grant, into campaigns that declare they take
// them; system events never. On the real stack, with real keys.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import type { RunningGateway } from '../../src/gateway/start';
import { createLogger } from '../../src/logger';
import { Receiver } from '../support/receiver';
import { api, eventually, startTestGateway, startWorker, testRepositories, uniqueId } from '../support/stack';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('ingest key grants', function () {
  this.timeout(180_000);
  const taskQueue = uniqueId('grants');
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let receiver: Receiver;
  let repositories: Repositories;
  const logLines: Array<Record<string, unknown>> = [];

  async function createKey(body: Record<string, unknown>): Promise<string> {
    const created = await api(gateway, 'POST', '/v1/keys', { kind: 'ingest', name: uniqueId('client'), ...body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.key;
  }

  async function saveCampaign(id: string, trigger: Record<string, unknown>): Promise<void> {
    const saved = await api(gateway, 'POST', '/v1/campaigns', {
      id,
      name: id,
      trigger,
      audience: { field: 'user.properties.bookmarks', op: 'contains', valueFrom: 'event.properties.productId' },
      steps: [{ id: 'sms', type: 'webhook', request: { url: `${receiver.url}/${id}`, body: { user: '{{user.id}}' } } }],
    });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${id}/activate`)).status, 200);
  }

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    const logger = createLogger('info', 'gateway', { write: (line: string) => void logLines.push(JSON.parse(line)) });
    gateway = await startTestGateway(taskQueue, { logger });
    repositories = await testRepositories(taskQueue);
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
    await repositories?.connection.close();
  });

  it('refuses an entity event from an ingest key without the grant: 403 naming userId, nothing stored', async function () {
    const key = await createKey({});
    const single = await api(
      gateway,
      'POST',
      '/v1/events',
      { id: uniqueId('evt'), name: 'price_dropped', properties: { productId: 1 } },
      bearer(key),
    );
    assert.equal(single.status, 403, JSON.stringify(single.body));
    assert.match(single.body.error.message, /^userId: missing; .*ingest key created with "entityEvents": true/);

    const ids = [uniqueId('evt'), uniqueId('evt')];
    const batch = await api(
      gateway,
      'POST',
      '/v1/events',
      {
        events: [
          { id: ids[0], userId: 'u-1', name: 'viewed' },
          { id: ids[1], name: 'price_dropped' },
        ],
      },
      bearer(key),
    );
    assert.equal(batch.status, 403, JSON.stringify(batch.body));
    assert.match(batch.body.error.message, /^events\.1\.userId: missing/);
    for (const id of ids) assert.equal(await repositories.events.get(id), null, `event ${id} was stored`);

    const forUser = await api(gateway, 'POST', '/v1/events', { userId: 'u-1', name: 'viewed' }, bearer(key));
    assert.equal(forUser.status, 202, JSON.stringify(forUser.body));
  });

  it('refuses hookway.* system event names from any key: 400 naming the field', async function () {
    const key = await createKey({ entityEvents: true });
    for (const [headers, body, field] of [
      [bearer(key), { userId: 'u-1', name: 'hookway.journey.exited', properties: { campaignId: 'x' } }, 'name'],
      [
        bearer(key),
        {
          events: [
            { userId: 'u-1', name: 'ok' },
            { userId: 'u-1', name: 'hookway.goal.reached' },
          ],
        },
        'events.1.name',
      ],
      [{}, { userId: 'u-1', name: 'hookway.webhook.failed' }, 'name'],
    ] as const) {
      const answer = await api(gateway, 'POST', '/v1/events', body, headers);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.match(
        answer.body.error.message,
        new RegExp(`${field.replace('.', '\\.')}: must not start with "hookway\\."`),
      );
    }
  });

  it('lets a granted key enter the audience of a campaign that declares entity events, and only that one', async function () {
    const prefix = uniqueId('shopper');
    const users = [0, 1, 2].map((i) => `${prefix}-${i}`);
    await repositories.profiles.merge(
      users.map((userId, i) => ({ userId, properties: { bookmarks: i < 2 ? [42] : [7] }, seenAt: new Date() })),
    );
    const declared = uniqueId('declared');
    const undeclared = uniqueId('undeclared');
    await saveCampaign(declared, { event: 'restocked', entityEvents: true });
    await saveCampaign(undeclared, { event: 'restocked' });

    const key = await createKey({ entityEvents: true });
    const listed = (await api(gateway, 'GET', '/v1/keys')).body.keys.find((k: { hint: string }) =>
      key.startsWith(k.hint.slice(0, -1)),
    );
    assert.equal(listed.entityEvents, true);
    const eventId = uniqueId('evt');
    const sent = await api(
      gateway,
      'POST',
      '/v1/events',
      { id: eventId, name: 'restocked', properties: { productId: 42 } },
      bearer(key),
    );
    assert.equal(sent.status, 202, JSON.stringify(sent.body));

    await receiver.waitFor(2, 120_000);
    assert.deepEqual(
      receiver.requests.map((r) => r.path),
      [`/${declared}`, `/${declared}`],
    );
    const ignored = await eventually(async () =>
      logLines.find((l) => l.eventId === eventId && l.campaignId === undeclared),
    );
    assert.match(String(ignored.reason), /does not declare "entityEvents": true/);
    const done = await eventually(async () => {
      const view = (
        await api(gateway, 'GET', `/v1/fanouts/${encodeURIComponent(`fanout:event:${declared}:${eventId}`)}`)
      ).body;
      return view?.progress?.status === 'completed' ? view : undefined;
    }, 120_000);
    assert.equal(done.progress.matched, 2);
    const undeclaredFanOut = await api(
      gateway,
      'GET',
      `/v1/fanouts/${encodeURIComponent(`fanout:event:${undeclared}:${eventId}`)}`,
    );
    assert.equal(undeclaredFanOut.status, 404, JSON.stringify(undeclaredFanOut.body));
  });
});

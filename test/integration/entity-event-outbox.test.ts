// "An entity event answered 2xx is routed even if Temporal is down at that moment": the
// outbox keeps its fan-out route until Temporal is back.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Repositories } from '../../src/db/connection';
import { startTemporalDevServer } from '../../src/embedded/services';
import type { ServiceProcess } from '../../src/embedded/service-process';
import type { RunningGateway } from '../../src/gateway/start';
import { freePort } from '../../src/embedded/free-port';
import { Receiver } from '../support/receiver';
import { api, stack, startTestGateway, startWorker, testRepositories, uniqueId } from '../support/stack';

describe('entity events accepted while Temporal is down', function () {
  this.timeout(180_000);
  let temporal: ServiceProcess;
  let gateway: RunningGateway;
  let receiver: Receiver;
  let repositories: Repositories;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  const taskQueue = uniqueId('entity-outbox');
  let port: number;
  let dbFile: string;
  const startTemporal = () => startTemporalDevServer({ dbFile, port, logFile: `${dbFile}.log` });

  before(async function () {
    port = await freePort();
    dbFile = path.join(stack().dir, `${taskQueue}.sqlite`);
    temporal = await startTemporal();
    receiver = await Receiver.start();
    repositories = await testRepositories(taskQueue);
    gateway = await startTestGateway(taskQueue, { temporalAddress: `127.0.0.1:${port}`, outboxSweepMs: 300 });
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await temporal?.stop();
    await receiver?.close();
    await repositories?.connection.close();
  });

  it('answers 202 and starts the fan-out once Temporal is back', async function () {
    const prefix = uniqueId('fan');
    await repositories.profiles.merge(
      ['a', 'b', 'c'].map((s, i) => ({
        userId: `${prefix}-${s}`,
        properties: { bookmarks: i < 2 ? [42] : [7] },
        seenAt: new Date(),
      })),
    );
    const campaignId = uniqueId('price-drop');
    await api(gateway, 'POST', '/v1/campaigns', {
      id: campaignId,
      name: 'Price drop',
      trigger: { event: 'price_dropped', entityEvents: true },
      audience: { field: 'user.properties.bookmarks', op: 'contains', valueFrom: 'event.properties.productId' },
      steps: [{ id: 'sms', type: 'webhook', request: { url: `${receiver.url}/sms`, body: { user: '{{user.id}}' } } }],
    });
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);

    await temporal.stop();
    const sent = await api(gateway, 'POST', '/v1/events', { name: 'price_dropped', properties: { productId: 42 } });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.accepted, 1);

    temporal = await startTemporal();
    worker = await startWorker(taskQueue, { temporalAddress: `127.0.0.1:${port}` });
    await receiver.waitFor(2, 90_000);
    assert.deepEqual(receiver.requests.map((r) => (r.json as { user: string }).user).sort(), [
      `${prefix}-a`,
      `${prefix}-b`,
    ]);
  });
});

// "An event answered 2xx is never lost, even if Temporal is down at that moment."
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTemporalDevServer } from '../../src/embedded/services';
import type { ServiceProcess } from '../../src/embedded/service-process';
import type { RunningGateway } from '../../src/gateway/start';
import { freePort } from '../../src/embedded/free-port';
import { Receiver } from '../support/receiver';
import { api, eventually, stack, startTestGateway, startWorker, uniqueId } from '../support/stack';

describe('events accepted while Temporal is down', function () {
  this.timeout(120_000);
  let temporal: ServiceProcess;
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;

  const taskQueue = uniqueId('outbox');
  let port: number;
  let dbFile: string;
  const startTemporal = () => startTemporalDevServer({ dbFile, port, logFile: `${dbFile}.log` });

  before(async function () {
    port = await freePort();
    dbFile = path.join(stack().dir, `${taskQueue}.sqlite`);
    temporal = await startTemporal();
    receiver = await Receiver.start();
    gateway = await startTestGateway(taskQueue, { temporalAddress: `127.0.0.1:${port}`, outboxSweepMs: 300 });
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await temporal?.stop();
    await receiver?.close();
  });

  it('answers 202, reports Temporal unhealthy, and routes the event once Temporal is back', async function () {
    const campaignId = uniqueId('welcome');
    await api(gateway, 'POST', '/v1/campaigns', {
      id: campaignId,
      name: 'Welcome',
      trigger: { event: 'signed_up' },
      steps: [
        { id: 'hello', type: 'webhook', request: { url: `${receiver.url}/hello`, body: { user: '{{user.id}}' } } },
      ],
    });
    await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`);

    await temporal.stop();
    const userId = uniqueId('user');
    const sent = await api(gateway, 'POST', '/v1/events', { userId, name: 'signed_up' });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.accepted, 1);
    const health = await api(gateway, 'GET', '/healthz');
    assert.equal(health.status, 503);
    assert.deepEqual(health.body.services, { mongodb: 'ok', temporal: 'down' });

    temporal = await startTemporal();
    worker = await startWorker(taskQueue, { temporalAddress: `127.0.0.1:${port}` });
    const [request] = await receiver.waitFor(1, 60_000);
    assert.deepEqual(request.json, { user: userId });
    await eventually(async () => ((await api(gateway, 'GET', '/healthz')).status === 200 ? true : undefined));
  });
});

// A batch's hand-off can outlast the outbox sweep's interval; the sweep then took its later
// events as left behind and handed them off a second time (about 170 of 1,000 in the
// benchmark's parked phase), each costing a refused start and a signal. It leaves the events
// its gateway is still handing off alone.
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import type { RunningGateway } from '../../src/gateway/start';
import { connectClient } from '../../src/temporal/connect';
import {
  api,
  eventually,
  stack,
  startTestGateway,
  startWorker,
  testCodec,
  testRepositories,
  uniqueId,
} from '../support/stack';

const USERS = 300;

describe('a batch handed off for longer than the outbox sweep interval', function () {
  this.timeout(120_000);
  const taskQueue = uniqueId('batch-hand-off');
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Client;
  let repositories: Repositories;

  before(async function () {
    gateway = await startTestGateway(taskQueue, { outboxSweepMs: 100, ingestRate: '10000/s' });
    worker = await startWorker(taskQueue);
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
    repositories = await testRepositories(taskQueue);
  });

  after(async function () {
    await repositories?.connection.close();
    await client?.connection.close();
    await gateway?.close();
    await worker?.stop();
  });

  it('hands each event off once: no journey is signalled its own trigger again', async function () {
    const campaignId = uniqueId('later');
    await api(gateway, 'POST', '/v1/campaigns', {
      id: campaignId,
      name: 'Later',
      trigger: { event: 'joined' },
      steps: [
        { id: 'wait', type: 'delay', duration: '1h' },
        { id: 'hello', type: 'webhook', request: { url: 'http://127.0.0.1:9/never' } },
      ],
    });
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
    const run = uniqueId('u');
    const events = Array.from({ length: USERS }, (_, i) => ({ userId: `${run}-${i}`, name: 'joined' }));
    assert.equal((await api(gateway, 'POST', '/v1/events', { events })).status, 202);

    const waiting = `CampaignId="${campaignId}" AND JourneyState="waiting"`;
    await eventually(async () => ((await client.workflow.count(waiting)).count === USERS ? true : undefined), 60_000);
    // Every hand-off is over once the outbox is empty; a second one would have come before.
    const outbox = repositories.connection.collection('event_outbox');
    await eventually(async () => ((await outbox.countDocuments()) === 0 ? true : undefined), 60_000);

    let signalled = 0;
    for await (const journey of client.workflow.list({ query: `CampaignId="${campaignId}"` })) {
      const history = await client.workflow.getHandle(journey.workflowId).fetchHistory();
      if (history.events?.some((e) => e.workflowExecutionSignaledEventAttributes)) signalled++;
    }
    assert.equal(signalled, 0, `${signalled} of ${USERS} journeys were handed their trigger a second time`);
  });
});

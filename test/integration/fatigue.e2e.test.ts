// Quiet hours end to end on the real Temporal dev server: settings saved through the API
// hold a journey's webhook, and an operator finds the held journey in the Web UI's search.
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import type { RunningGateway } from '../../src/gateway/start';
import { connectClient } from '../../src/temporal/connect';
import { stateQuery } from '../../workflows';
import { Receiver } from '../support/receiver';
import { api, eventually, stack, startTestGateway, startWorker, uniqueId, testCodec } from '../support/stack';

const hhmm = (hour: number) => `${String((hour + 24) % 24).padStart(2, '0')}:00`;

describe('quiet hours from the settings API, end to end', function () {
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Client;
  const taskQueue = uniqueId('fatigue');
  const campaignId = uniqueId('night');

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
  });

  after(async function () {
    // Archiving cancels the held journey on the shared dev server.
    await api(gateway, 'POST', `/v1/campaigns/${campaignId}/archive`).catch(() => undefined);
    await client?.connection.close();
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
  });

  it('a webhook due in global quiet hours is held, shown in the state query and found by JourneyState="held"', async function () {
    // Quiet hours around the current hour, in UTC (the default zone): the webhook is due inside them.
    const hour = new Date().getUTCHours();
    const quietHours = { start: hhmm(hour - 1), end: hhmm(hour + 2) };
    assert.equal((await api(gateway, 'PUT', '/v1/settings', { quietHours })).status, 200);
    const saved = await api(gateway, 'POST', '/v1/campaigns', {
      id: campaignId,
      name: 'Night promo',
      trigger: { event: 'cart_abandoned' },
      steps: [{ id: 'sms', type: 'webhook', request: { url: `${receiver.url}/sms`, body: { user: '{{user.id}}' } } }],
    });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
    const userId = uniqueId('user');
    assert.equal((await api(gateway, 'POST', '/v1/events', { userId, name: 'cart_abandoned' })).status, 202);

    const handle = client.workflow.getHandle(journeyWorkflowId(campaignId, userId));
    const state = await eventually(async () => {
      const current = await handle.query(stateQuery).catch(() => undefined);
      return current?.waitingFor?.startsWith('quiet hours') ? current : undefined;
    });
    const until = new Date(state.waitingFor!.split(' until ')[1]);
    assert.equal(until.getUTCHours(), (hour + 2) % 24, state.waitingFor);
    assert.equal(state.timeZone, 'UTC');
    const held = await eventually(async () => {
      for await (const execution of client.workflow.list({
        query: `CampaignId="${campaignId}" AND JourneyState="held"`,
      }))
        return execution.workflowId;
      return undefined;
    });
    assert.equal(held, journeyWorkflowId(campaignId, userId));
    assert.equal(receiver.requests.length, 0, 'nothing is sent in quiet hours');
  });
});

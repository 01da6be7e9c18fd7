// Long waits on Temporal's time-skipping test server: a 7-day delay passes in seconds.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { createActivities } from '../../activities';
import type { Repositories } from '../../src/db/connection';
import { AddressPolicy } from '../../src/delivery/address-guard';
import { WebhookSender } from '../../src/delivery/sender';
import { campaignSchema } from '../../src/domain/campaign';
import { TOOL_PATHS } from '../../src/embedded/tools';
import { journey } from '../../workflows';
import { Receiver } from '../support/receiver';
import { logger, stack, TEST_NETWORK, testRepositories, uniqueId } from '../support/stack';

const DAY_MS = 86_400_000;

describe('a journey with a 7-day delay (time-skipping server)', function () {
  let env: TestWorkflowEnvironment;
  let receiver: Receiver;
  let repositories: Repositories;
  const taskQueue = uniqueId('skip');

  before(async function () {
    this.timeout(120_000);
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: TOOL_PATHS.temporalTestServer } },
    });
    receiver = await Receiver.start();
    repositories = await testRepositories(taskQueue);
  });

  after(async function () {
    await env?.teardown();
    await receiver?.close();
    await repositories?.connection.close();
  });

  it('waits seven days of workflow time, then sends the webhook with the current profile', async function () {
    const userId = uniqueId('user');
    const campaign = campaignSchema.parse({
      id: uniqueId('winback'),
      name: 'Win back',
      trigger: { event: 'signed_up' },
      steps: [
        { id: 'wait', type: 'delay', duration: '7d' },
        { id: 'push', type: 'webhook', request: { url: `${receiver.url}/push`, body: { user: '{{user.id}}', tier: '{{user.properties.tier}}' } } },
      ],
    });
    await repositories.profiles.merge([{ userId, properties: { tier: 'gold' }, seenAt: new Date() }]);

    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: stack().workflowBundle,
      activities: createActivities({ repositories, sender: new WebhookSender(new AddressPolicy(TEST_NETWORK)), webhookTimeoutMs: 5_000, logger }),
    });
    const trigger = { id: uniqueId('evt'), name: 'signed_up', userId, timestamp: new Date().toISOString(), properties: {} };
    const startedAt = await env.currentTimeMs();
    const wallStart = Date.now();
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(journey, { taskQueue, workflowId: uniqueId('journey'), args: [{ campaign, userId, trigger }] });
      await env.sleep('6d');
      assert.equal(receiver.requests.length, 0, 'nothing is sent during the delay');
      return handle.result();
    });

    assert.equal(result.outcome, 'completed');
    assert.ok((await env.currentTimeMs()) - startedAt >= 7 * DAY_MS, 'seven days passed in workflow time');
    assert.ok(Date.now() - wallStart < 60_000, 'but not on the wall clock');
    assert.equal(receiver.requests.length, 1);
    assert.deepEqual(receiver.requests[0].json, { user: userId, tier: 'gold' });
  });
});

// A webhook's success is announced (hookway.webhook.succeeded, which connected campaigns hear)
// even when the attempt that recorded it died before announcing it: the retried attempt finds
// the delivery succeeded, sends nothing, and announces it once.
import assert from 'node:assert/strict';
import { testActivities } from '../support/activities';
import type { Repositories } from '../../src/db/connection';
import { SYSTEM_EVENT } from '../../src/domain/system-events';
import { Receiver } from '../support/receiver';
import { testRepositories, uniqueId } from '../support/stack';

describe("a webhook's success", function () {
  let repositories: Repositories;
  let receiver: Receiver;

  before(async function () {
    repositories = await testRepositories(uniqueId('announced'));
    receiver = await Receiver.start();
  });

  after(async function () {
    await repositories.connection.close();
    await receiver.close();
  });

  it('recorded by an attempt that died before announcing it is announced once by the retry, which sends nothing', async function () {
    const activities = testActivities(repositories);
    const [campaignId, userId] = [uniqueId('campaign'), uniqueId('user')];
    const journeyId = `journey/${campaignId}/${userId}`;
    const trigger = {
      id: uniqueId('evt'),
      name: 'signed_up',
      userId,
      timestamp: new Date().toISOString(),
      properties: {},
    };
    const key = { _id: uniqueId('msg'), journeyId, campaignId, userId, stepId: 'hello' };
    await activities.prepareWebhook({
      journeyId,
      userId,
      campaign: { id: campaignId, name: 'Announced' },
      trigger,
      steps: {},
      key,
      request: { method: 'POST', url: `${receiver.url}/hello`, body: {} },
      campaignVersion: 1,
    });
    const prepared = await repositories.deliveries.get(key._id);
    const attempt = { at: new Date(), latencyMs: 12, status: 200, responseExcerpt: '{"ok":true}' };
    await repositories.deliveries.recordAttempt(prepared!, attempt, 'succeeded');

    for (let retry = 0; retry < 2; retry++)
      assert.equal((await activities.deliverWebhook({ deliveryId: key._id })).status, 200);

    assert.equal(receiver.requests.length, 0, 'nothing is sent again');
    const announced = (await repositories.events.recentForUser(userId, 10)).filter(
      (e) => e.name === SYSTEM_EVENT.webhookSucceeded,
    );
    assert.deepEqual(
      announced.map((e) => e.properties.webhookId),
      [key._id],
    );
  });
});

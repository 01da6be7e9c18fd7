// Activity logs are structured and name what they concern (journey, campaign, webhook), and
// never carry a secret or a payload: checked on the log lines of real activities that send
// real webhooks to a local receiver.
import assert from 'node:assert/strict';
import { testActivities } from '../support/activities';
import type { Repositories } from '../../src/db/connection';
import { createLogger } from '../../src/logger';
import { Receiver } from '../support/receiver';
import { testRepositories, uniqueId } from '../support/stack';

describe('activity logs', function () {
  let repositories: Repositories;
  let receiver: Receiver;

  before(async function () {
    repositories = await testRepositories(uniqueId('logs'));
    receiver = await Receiver.start();
  });

  after(async function () {
    await repositories.connection.close();
    await receiver.close();
  });

  it('carry the journey, campaign and webhook ids, and no secret, request body or response', async function () {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', 'worker', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const activities = testActivities(repositories, logger);
    receiver.answerWith(
      { status: 200, body: '{"balance":"RESPONSE-SECRET"}' },
      { status: 400, body: '{"error":"RESPONSE-SECRET"}' },
    );

    const campaignId = uniqueId('logged');
    const userId = 'user-1';
    const journeyId = `journey/${campaignId}/${userId}`;
    const identity = { journeyId, runId: 'run-1', campaignId, userId, depth: 0 };
    const ref = {
      journeyId,
      userId,
      campaign: { id: campaignId, name: 'Logged' },
      trigger: {
        id: 'evt-1',
        name: 'signed_up',
        userId,
        timestamp: new Date().toISOString(),
        properties: { card: '4111-PAYLOAD' },
      },
      steps: {},
    };
    const request = {
      method: 'POST',
      url: `${receiver.url}/send`,
      headers: { authorization: 'Bearer HEADER-SECRET' },
      body: { card: '{{event.properties.card}}' },
    };

    await activities.admitJourney({
      ...identity,
      reentry: { mode: 'afterCompletion' },
      at: Date.now(),
      campaignVersion: 1,
    });
    const sent = { _id: uniqueId('msg'), journeyId, campaignId, userId, stepId: 'sms' };
    await activities.prepareWebhook({ ...ref, key: sent, request });
    await activities.deliverWebhook({ deliveryId: sent._id });
    const refused = { ...sent, _id: uniqueId('msg'), stepId: 'email' };
    await activities.prepareWebhook({ ...ref, key: refused, request });
    await assert.rejects(activities.deliverWebhook({ deliveryId: refused._id }));
    await activities.markDeliveryFailed({ deliveryId: refused._id, retryBase: 0, error: 'HTTP 400' });
    await activities.journeyEnded({ ...identity, outcome: 'webhookFailed', at: Date.now() });
    assert.equal(receiver.requests.length, 2);
    assert.match(receiver.requests[0].body, /4111-PAYLOAD/, 'the payload did reach the receiver');

    const messages = lines.map((line) => line.msg);
    assert.deepEqual(messages, [
      'journey entered',
      'webhook attempt',
      'webhook attempt',
      'webhook failed for good',
      'journey ended',
    ]);
    for (const line of lines) {
      assert.equal(line.journeyId, journeyId, `${line.msg} names the journey`);
      assert.equal(line.campaignId, campaignId, `${line.msg} names the campaign`);
    }
    assert.deepEqual(
      lines.filter((line) => String(line.msg).startsWith('webhook')).map((line) => line.webhookId),
      [sent._id, refused._id, refused._id],
    );
    const text = JSON.stringify(lines);
    for (const secret of ['HEADER-SECRET', '4111-PAYLOAD', 'RESPONSE-SECRET'])
      assert.ok(!text.includes(secret), `the logs hold ${secret}`);
  });
});

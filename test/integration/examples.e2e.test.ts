// The campaign files in examples/ work as the README says, against the real stack.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningGateway } from '../../src/gateway/start';
import { Receiver } from '../support/receiver';
import { api, startTestGateway, startWorker, uniqueId } from '../support/stack';

function loadExample(name: string, receiverUrl: string): Record<string, unknown> {
  const text = readFileSync(path.join(__dirname, '../../../examples', `${name}.json`), 'utf8');
  return JSON.parse(text.replaceAll('http://127.0.0.1:4000', receiverUrl));
}

describe('the example campaigns, end to end', function () {
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  const taskQueue = uniqueId('examples');

  before(async function () {
    receiver = await Receiver.start();
    receiver.answerWith({ status: 200, body: '{"ok":true,"balance":12500}' });
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    for (const name of ['price-drop', 'review-points']) {
      const definition = loadExample(name, receiver.url);
      assert.equal((await api(gateway, 'POST', '/v1/campaigns', definition)).status, 201);
      assert.equal((await api(gateway, 'POST', `/v1/campaigns/${definition.id}/activate`)).status, 200);
    }
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
  });

  beforeEach(function () {
    receiver.requests.length = 0;
  });

  it('price drop: an SMS naming the bookmarked product and its drop', async function () {
    await api(gateway, 'POST', '/v1/events', {
      userId: uniqueId('user'),
      name: 'price_dropped',
      properties: { productName: 'Apple MacBook Pro', dropPercent: 5 },
      userProperties: { phone: '+821012345678', smsOptIn: true },
    });
    const [sms] = await receiver.waitFor(1);
    assert.equal(sms.path, '/sms');
    assert.deepEqual(sms.json, {
      to: '+821012345678',
      text: 'The price of your bookmarked [Apple MacBook Pro] has dropped by 5%!',
    });
  });

  it('points for a review: credits 500 points, then sends the balance the points API answered', async function () {
    const userId = uniqueId('user');
    await api(gateway, 'POST', '/v1/events', {
      userId,
      name: 'review_submitted',
      properties: { reviewId: 'r-77' },
      userProperties: { phone: '+821099999999' },
    });
    const [credit, notify] = await receiver.waitFor(2);
    assert.equal(credit.path, '/points');
    assert.deepEqual(credit.json, { userId, points: 500, reason: 'review r-77' });
    assert.equal(notify.path, '/sms');
    assert.deepEqual(notify.json, {
      to: '+821099999999',
      text: 'Your review has been submitted, and 500 points have been credited to your account! Your balance is now 12500 points.',
    });
  });
});

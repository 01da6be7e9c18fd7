// The three campaigns in examples/ on the production layout: events posted in turn to both
// gateways, journeys run by both workers, timers kept by the Temporal server on PostgreSQL.
// The re-engagement example waits days; here its waits are the same steps counted in seconds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Receiver, type ReceivedRequest } from '../support/receiver';
import { api, eventually, uniqueId } from '../support/stack';
import { activateEverywhere, nextGateway, type ProbeEvent } from './helpers';

const USERS = 10;
const EXAMPLE_RECEIVER = 'http://127.0.0.1:4000';

/** An example campaign as a user would load it, sent to this receiver, under an id of its own. */
function loadExample(
  name: string,
  receiverUrl: string,
  replace: Array<[string, string]> = [],
): Record<string, unknown> {
  let text = readFileSync(path.join(__dirname, '../../../examples', `${name}.json`), 'utf8');
  for (const [from, to] of [[EXAMPLE_RECEIVER, receiverUrl], ...replace]) text = text.replaceAll(from, to);
  const campaign = JSON.parse(text) as Record<string, unknown>;
  return { ...campaign, id: uniqueId(String(campaign.id)) };
}

async function activateExample(campaign: Record<string, unknown>, receiver: Receiver, probe: ProbeEvent) {
  await activateEverywhere(campaign as Parameters<typeof activateEverywhere>[0], receiver, probe, 20_000);
}

/** Posts an event to the next gateway; returns when it was sent, before any journey could see it. */
async function post(event: Record<string, unknown>): Promise<number> {
  const sentAt = Date.now();
  const answer = await api(nextGateway(), 'POST', '/v1/events', event);
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
  return sentAt;
}

/** The requests whose body names the user, once at least `count` have arrived. */
async function requestsFor(receiver: Receiver, userId: string, count: number): Promise<ReceivedRequest[]> {
  const mine = () => receiver.requests.filter((r) => JSON.stringify(r.json ?? null).includes(userId));
  return eventually(async () => (mine().length >= count ? mine() : undefined), 120_000);
}

const members = (prefix: string) => Array.from({ length: USERS }, (_, i) => `${uniqueId(prefix)}-${i}`);

describe('the example campaigns on the production layout', function () {
  let receiver: Receiver;

  before(async function () {
    receiver = await Receiver.start();
    receiver.answerWith({ status: 200, body: '{"ok":true,"balance":12500}' });
  });

  after(async function () {
    await receiver?.close();
  });

  it('price drop: one SMS per opted-in user, naming the product and its drop', async function () {
    const priceDropped = (userId: string) => ({
      userId,
      name: 'price_dropped',
      properties: { productName: 'Apple MacBook Pro', dropPercent: 5 },
      userProperties: { phone: `tel:${userId}`, smsOptIn: true },
    });
    await activateExample(loadExample('price-drop', receiver.url), receiver, priceDropped);
    const users = members('shopper');
    for (const userId of users) await post(priceDropped(userId));
    for (const userId of users) {
      const [sms, ...more] = await requestsFor(receiver, userId, 1);
      assert.equal(sms.path, '/sms');
      assert.deepEqual(sms.json, {
        to: `tel:${userId}`,
        text: 'The price of your bookmarked [Apple MacBook Pro] has dropped by 5%!',
      });
      assert.deepEqual(more, [], `${userId} got more than one SMS`);
    }
  });

  it('points for a review: credits 500 points, then sends the balance the points API answered', async function () {
    const reviewed = (userId: string) => ({
      userId,
      name: 'review_submitted',
      properties: { reviewId: `r-${userId}` },
      userProperties: { phone: `tel:${userId}` },
    });
    await activateExample(loadExample('review-points', receiver.url), receiver, reviewed);
    const users = members('reviewer');
    for (const userId of users) await post(reviewed(userId));
    for (const userId of users) {
      const [credit, sms] = await requestsFor(receiver, userId, 2);
      assert.equal(credit.path, '/points');
      assert.deepEqual(credit.json, { userId, points: 500, reason: `review r-${userId}` });
      assert.equal(sms.path, '/sms');
      assert.match(String((sms.json as { text: string }).text), /Your balance is now 12500 points\.$/);
    }
  });

  it('re-engagement: push, SMS and e-mail in turn while the user stays away; a login starts the wait again', async function () {
    const [idle, followUp] = [4, 2];
    const campaign = loadExample('reengagement', receiver.url, [
      ['"7d"', `"${idle}s"`],
      ['"1d"', `"${followUp}s"`],
    ]);
    const login = (userId: string) => ({
      userId,
      name: 'login',
      userProperties: { phone: `tel:${userId}`, email: `${userId}@example.com` },
    });
    await activateExample(campaign, receiver, login);

    const away = uniqueId('away');
    await post(login(away));
    const reminders = await requestsFor(receiver, away, 3);
    assert.deepEqual(
      reminders.slice(0, 3).map((r) => r.path),
      ['/push', '/sms', '/email'],
    );

    const back = uniqueId('back');
    await post(login(back));
    await new Promise((resolve) => setTimeout(resolve, (idle / 2) * 1000));
    const lastLogin = await post(login(back));
    const [push] = await requestsFor(receiver, back, 1);
    assert.equal(push.path, '/push');
    assert.ok(
      push.at >= lastLogin + idle * 1000,
      `the push came ${push.at - lastLogin} ms after the second login; the wait should have started again then`,
    );
    // Its journeys go round for ever; archiving the campaign ends them.
    const archived = await api(nextGateway(), 'POST', `/v1/campaigns/${String(campaign.id)}/archive`);
    assert.equal(archived.status, 200, JSON.stringify(archived.body));
  });
});

// Webhook delivery as a receiver and an operator see it: signatures, retries and refusals,
// destination state (410, breaker, rate limit), redelivery, test sends and the SSRF guard.
// Real Temporal dev server, real FerretDB, the gateway and worker in-process, and a real
// local HTTP server per test as the receiver.
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import type { RunningGateway } from '../../src/gateway/start';
import { connectClient } from '../../src/temporal/connect';
import type { JourneyResult } from '../../workflows';
import { Receiver, type ReceivedRequest, type ScriptedAnswer, type ScriptedFault } from '../support/receiver';
import { api, eventually, stack, startTestGateway, startWorker, uniqueId, testCodec } from '../support/stack';

interface Attempt {
  attempt: number;
  status?: number;
  errorClass?: string;
  error?: string;
}

interface Delivery {
  id: string;
  status: 'pending' | 'retrying' | 'succeeded' | 'failed';
  attempts: Attempt[];
  error?: string;
  destinationId?: string;
}

/** The receiver's own Standard Webhooks check: v1,base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)). */
function expectedSignature(secret: string, request: ReceivedRequest): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`;
  return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
}

function signaturesOf(request: ReceivedRequest): string[] {
  return String(request.headers['webhook-signature']).split(' ');
}

/** Upper bound on the time from taking a rate-limit slot to the receiver having the request. */
const SEND_LATENCY_MS = 150;

/**
 * The most receipts in one clock second whose send was certainly counted in that second: the
 * limit counts per clock second, and a receipt in a second's first SEND_LATENCY_MS may have
 * been counted in the second before.
 */
function busiestSecond(times: number[]): number {
  const counts = new Map<number, number>();
  for (const at of times.filter((t) => t % 1_000 >= SEND_LATENCY_MS)) {
    const second = Math.floor(at / 1_000);
    counts.set(second, (counts.get(second) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}

const statuses = (delivery: Delivery) => delivery.attempts.map((a) => a.status);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Longer than any retry delay used here (1 s plus 20% jitter): a retry would have arrived by then. */
const QUIET_MS = 1_500;

describe('webhook delivery (dev server)', function () {
  const taskQueue = uniqueId('delivery');
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Client;
  let receivers: Receiver[] = [];

  before(async function () {
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await client?.connection.close();
  });

  afterEach(async function () {
    await Promise.all(receivers.map((r) => r.close()));
    receivers = [];
  });

  async function startReceiver(...answers: Array<ScriptedAnswer | ScriptedFault>): Promise<Receiver> {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    if (answers.length > 0) receiver.answerWith(...answers);
    return receiver;
  }

  /** POST /v1/destinations with short retries; returns the id and the signing secret shown once. */
  async function createDestination(url: string, options: Record<string, unknown> = {}) {
    const id = uniqueId('dest');
    const created = await api(gateway, 'POST', '/v1/destinations', {
      id,
      name: 'Receiver',
      url,
      retryDelays: ['1s', '1s'],
      ...options,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { id, signingSecret: created.body.signingSecret as string };
  }

  /** A campaign triggered by an event name of its own, so no other test's events reach it. */
  async function createCampaign(steps: unknown[], { activate }: { activate: boolean }) {
    const id = uniqueId('campaign');
    const event = `${id}.fired`;
    const created = await api(gateway, 'POST', '/v1/campaigns', {
      id,
      name: 'Delivery test',
      trigger: { event },
      steps,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    if (activate) assert.equal((await api(gateway, 'POST', `/v1/campaigns/${id}/activate`)).status, 200);
    return { id, event };
  }

  type Campaign = Awaited<ReturnType<typeof createCampaign>>;

  const webhookStep = (id: string, request: Record<string, unknown>) => ({
    id,
    type: 'webhook',
    request: { method: 'POST', body: { user: '{{user.id}}', event: '{{event.id}}' }, ...request },
  });

  function createActiveCampaign(request: Record<string, unknown>): Promise<Campaign> {
    return createCampaign([webhookStep('hook', request)], { activate: true });
  }

  /** One batch of trigger events, one per user; returns the user ids. */
  async function sendEvent(campaign: Campaign, count = 1): Promise<string[]> {
    const userIds = Array.from({ length: count }, () => uniqueId('user'));
    const events = userIds.map((userId) => ({ id: uniqueId('evt'), userId, name: campaign.event }));
    const sent = await api(gateway, 'POST', '/v1/events', { events });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.accepted, count);
    return userIds;
  }

  /** A receiver answering from `answers`, a destination on it and an active campaign sending to it. */
  async function scenario(
    answers: Array<ScriptedAnswer | ScriptedFault>,
    destinationOptions: Record<string, unknown> = {},
  ) {
    const receiver = await startReceiver(...answers);
    const destination = await createDestination(receiver.url, destinationOptions);
    const campaign = await createActiveCampaign({ destination: destination.id, path: '/hook' });
    return { receiver, destination, campaign };
  }

  async function deliveries(query: Record<string, string>): Promise<Delivery[]> {
    const listed = await api(gateway, 'GET', `/v1/deliveries?${new URLSearchParams(query)}`);
    assert.equal(listed.status, 200);
    return listed.body.deliveries;
  }

  /** The user's delivery for this campaign, once it is succeeded or failed. */
  function settledDelivery(campaign: Campaign, userId: string, timeoutMs?: number): Promise<Delivery> {
    return eventually(async () => {
      const [delivery] = await deliveries({ campaignId: campaign.id, userId });
      return delivery?.status === 'succeeded' || delivery?.status === 'failed' ? delivery : undefined;
    }, timeoutMs);
  }

  /** Polls the user's delivery quickly until it has `status`; returns it and every status seen on the way. */
  async function watchDelivery(campaign: Campaign, userId: string, status: Delivery['status']) {
    const seen: string[] = [];
    const delivery = await eventually(async () => {
      const [current] = await deliveries({ campaignId: campaign.id, userId });
      if (current && seen.at(-1) !== current.status) seen.push(current.status);
      return current?.status === status ? current : undefined;
    }, 10_000);
    return { delivery, seen };
  }

  async function destinationView(id: string) {
    const shown = await api(gateway, 'GET', `/v1/destinations/${id}`);
    assert.equal(shown.status, 200);
    return shown.body;
  }

  function journeyResult(campaign: Campaign, userId: string): Promise<JourneyResult> {
    return client.workflow.getHandle(journeyWorkflowId(campaign.id, userId)).result();
  }

  /** Waits out a retry delay and checks nothing more arrived. */
  async function assertNoMoreRequests(receiver: Receiver, count: number): Promise<void> {
    await sleep(QUIET_MS);
    assert.equal(
      receiver.requests.length,
      count,
      `the receiver got ${receiver.requests.length} requests, expected ${count}`,
    );
  }

  describe('signatures', function () {
    it('signs per Standard Webhooks: the receiver verifies with its own HMAC, and the timestamp is now', async function () {
      const { receiver, destination, campaign } = await scenario([{ status: 200 }]);
      const [userId] = await sendEvent(campaign);
      const [request] = await receiver.waitFor(1);

      assert.match(String(request.headers['webhook-id']), /^msg_/);
      assert.deepEqual(signaturesOf(request), [expectedSignature(destination.signingSecret, request)]);
      const timestamp = Number(request.headers['webhook-timestamp']);
      assert.ok(Number.isInteger(timestamp), 'webhook-timestamp is whole seconds');
      assert.ok(
        Math.abs(request.at / 1000 - timestamp) <= 5,
        `webhook-timestamp ${timestamp} is within 5 s of receipt`,
      );
      assert.equal(request.path, '/hook');
      assert.equal((request.json as { user: string }).user, userId);
      const delivery = await settledDelivery(campaign, userId);
      assert.equal(delivery.id, request.headers['webhook-id']);
    });

    it('signs with the old and the new secret after a rotation', async function () {
      const { receiver, destination, campaign } = await scenario([{ status: 200 }]);
      const rotated = await api(gateway, 'POST', `/v1/destinations/${destination.id}/rotate-secret`);
      assert.equal(rotated.status, 200);
      const newSecret: string = rotated.body.signingSecret;
      assert.match(newSecret, /^whsec_/);
      assert.notEqual(newSecret, destination.signingSecret);

      await sendEvent(campaign);
      const [request] = await receiver.waitFor(1);
      const signatures = signaturesOf(request);
      assert.equal(
        signatures.length,
        2,
        `two space-separated signatures, got "${request.headers['webhook-signature']}"`,
      );
      assert.ok(
        signatures.includes(expectedSignature(destination.signingSecret, request)),
        'one verifies with the old secret',
      );
      assert.ok(signatures.includes(expectedSignature(newSecret, request)), 'one verifies with the new secret');
    });
  });

  describe('what is retried and what is not', function () {
    it('does not retry a 400: one request, failed with attempts [400]', async function () {
      const { receiver, campaign } = await scenario([{ status: 400, body: '{"error":"bad phone"}' }]);
      const [userId] = await sendEvent(campaign);
      const delivery = await settledDelivery(campaign, userId);
      assert.equal(delivery.status, 'failed');
      assert.deepEqual(statuses(delivery), [400]);
      await assertNoMoreRequests(receiver, 1);
      assert.deepEqual(await journeyResult(campaign, userId), { outcome: 'webhookFailed', step: 'hook' });
    });

    it('does not follow a 302: the receiver sees only the original path, and the delivery fails with HTTP 302', async function () {
      const { receiver, campaign } = await scenario([]);
      receiver.answerWith({ status: 302, headers: { location: `${receiver.url}/elsewhere` } });
      const [userId] = await sendEvent(campaign);
      const delivery = await settledDelivery(campaign, userId);
      assert.equal(delivery.status, 'failed');
      assert.deepEqual(statuses(delivery), [302]);
      assert.match(delivery.error ?? '', /HTTP 302/);
      await assertNoMoreRequests(receiver, 1);
      assert.deepEqual(
        receiver.requests.map((r) => r.path),
        ['/hook'],
      );
    });

    it('times out a receiver that never answers, and retries with the same webhook-id', async function () {
      const { receiver, campaign } = await scenario(['hang', { status: 200 }], { timeoutMs: 1_000 });
      const [userId] = await sendEvent(campaign);
      const delivery = await settledDelivery(campaign, userId);
      assert.equal(delivery.status, 'succeeded');
      assert.equal(delivery.attempts.length, 2);
      assert.equal(delivery.attempts[0].errorClass, 'timeout');
      assert.equal(delivery.attempts[1].status, 200);
      assert.equal(receiver.requests.length, 2);
      assert.equal(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size, 1);
    });

    it('aborts the request in flight when its journey is cancelled, long before its timeout', async function () {
      const { receiver, campaign } = await scenario(['hang'], { timeoutMs: 90_000 });
      const [userId] = await sendEvent(campaign);
      await receiver.waitFor(1);
      await client.workflow.getHandle(journeyWorkflowId(campaign.id, userId)).cancel();
      // Without the abort the connection would stay open for the 90 s timeout.
      await eventually(async () => (receiver.hungUp === 1 ? true : undefined), 45_000);
    });

    it('retries a reset connection, then delivers', async function () {
      const { receiver, campaign } = await scenario(['reset', { status: 200 }]);
      const [userId] = await sendEvent(campaign);
      const delivery = await settledDelivery(campaign, userId);
      assert.equal(delivery.status, 'succeeded');
      assert.equal(delivery.attempts.length, 2);
      assert.equal(delivery.attempts[0].errorClass, 'connection');
      assert.equal(delivery.attempts[1].status, 200);
      assert.equal(receiver.requests.length, 2);
      assert.equal(receiver.requests[0].headers['webhook-id'], receiver.requests[1].headers['webhook-id']);
    });

    it('stops retrying a 503 that carries webhook-delivery: abort', async function () {
      const { receiver, campaign } = await scenario([{ status: 503, headers: { 'webhook-delivery': 'abort' } }]);
      const [userId] = await sendEvent(campaign);
      const delivery = await settledDelivery(campaign, userId);
      assert.equal(delivery.status, 'failed');
      assert.deepEqual(statuses(delivery), [503]);
      await assertNoMoreRequests(receiver, 1);
    });

    for (const url of ['http://10.0.0.1/x', 'http://169.254.169.254/latest/meta-data/']) {
      it(`refuses ${url} before connecting, without retrying`, async function () {
        const campaign = await createActiveCampaign({ url });
        const [userId] = await sendEvent(campaign);
        const delivery = await settledDelivery(campaign, userId);
        assert.equal(delivery.status, 'failed');
        assert.equal(delivery.attempts.length, 1, 'one attempt, no retry');
        assert.equal(delivery.attempts[0].errorClass, 'address_refused');
        assert.equal(delivery.attempts[0].status, undefined);
        assert.deepEqual(await journeyResult(campaign, userId), { outcome: 'webhookFailed', step: 'hook' });
      });
    }
  });

  describe('destination state', function () {
    it('disables the destination on 410; a later journey sends nothing and its delivery fails', async function () {
      const { receiver, destination, campaign } = await scenario([{ status: 410 }]);
      const [first] = await sendEvent(campaign);
      assert.deepEqual(statuses(await settledDelivery(campaign, first)), [410]);
      const view = await destinationView(destination.id);
      assert.equal(view.state, 'disabled');
      assert.match(view.disabledReason ?? '', /410/);

      receiver.answerWith({ status: 200 });
      const [later] = await sendEvent(campaign);
      const delivery = await settledDelivery(campaign, later);
      assert.equal(delivery.status, 'failed');
      assert.deepEqual(delivery.attempts, [], 'nothing was sent, so no attempt is logged');
      assert.match(delivery.error ?? '', /disabled/);
      assert.deepEqual(await journeyResult(campaign, later), { outcome: 'webhookFailed', step: 'hook' });
      assert.equal(receiver.requests.length, 1, 'only the request answered 410');
    });

    it('holds a shared rate limit across two workers: 8 webhooks at 2/s all arrive, none early', async function () {
      const second = await startWorker(taskQueue);
      try {
        const { receiver, campaign } = await scenario([{ status: 200 }], { rateLimitPerSecond: 2 });
        const userIds = await sendEvent(campaign, 8);
        const times = (await receiver.waitFor(8, 15_000)).map((r) => r.at);
        const span = Math.max(...times) - Math.min(...times);
        const shown = `receipts (ms): ${times.map((t) => t - Math.min(...times)).join(', ')}`;
        assert.ok(busiestSecond(times) <= 2, `more than 2 sends counted in one clock second; ${shown}`);
        // Two per clock second fill at least four seconds; unthrottled, all 8 arrive within a fraction of one.
        assert.ok(span > 2_000 - SEND_LATENCY_MS, `8 requests at 2/s span only ${span} ms; ${shown}`);
        assert.deepEqual(
          new Set(receiver.requests.map((r) => (r.json as { user: string }).user)),
          new Set(userIds),
          'every user got one webhook',
        );
        for (const userId of userIds) {
          assert.deepEqual(
            statuses(await settledDelivery(campaign, userId)),
            [200],
            'waiting for the rate limit is not an attempt',
          );
        }
      } finally {
        await second.stop();
      }
    });

    it('opens the breaker after two failures and closes it when the receiver recovers', async function () {
      const { receiver, destination, campaign } = await scenario([{ status: 503 }], {
        retryDelays: ['1s', '1s', '1s', '1s', '1s', '1s'],
        breaker: { failureThreshold: 2, probeInterval: '1s' },
      });
      const userIds = await sendEvent(campaign, 2);
      const open = await eventually(async () => {
        const view = await destinationView(destination.id);
        return view.state === 'open' ? view : undefined;
      }, 10_000);
      assert.ok(open.consecutiveFailures >= 2);

      receiver.answerWith({ status: 200 });
      for (const userId of userIds) {
        const delivery = await settledDelivery(campaign, userId, 15_000);
        assert.equal(delivery.status, 'succeeded');
        assert.equal(delivery.attempts.at(-1)?.status, 200);
      }
      const closed = await destinationView(destination.id);
      assert.equal(closed.state, 'enabled');
      assert.equal(closed.consecutiveFailures, 0);
    });
  });

  it('never shows the auth token or the signing secret in API answers, yet sends the token', async function () {
    const token = 'tok_SECRET_123456';
    const { receiver, destination, campaign } = await scenario([{ status: 200 }], { auth: { type: 'bearer', token } });
    const [userId] = await sendEvent(campaign);
    const [request] = await receiver.waitFor(1);
    assert.equal(request.headers.authorization, `Bearer ${token}`);
    await settledDelivery(campaign, userId);

    const key = destination.signingSecret.slice('whsec_'.length);
    for (const path of [
      '/v1/destinations',
      `/v1/destinations/${destination.id}`,
      `/v1/deliveries?campaignId=${campaign.id}`,
    ]) {
      const shown = JSON.stringify((await api(gateway, 'GET', path)).body);
      for (const secret of [token, destination.signingSecret, key]) {
        assert.ok(!shown.includes(secret), `GET ${path} shows a secret`);
      }
    }
  });

  describe('redelivery', function () {
    it('redelivers a failed delivery with its webhook-id, and refuses to redeliver a succeeded one', async function () {
      const { receiver, campaign } = await scenario([{ status: 400 }]);
      const [userId] = await sendEvent(campaign);
      const failed = await settledDelivery(campaign, userId);
      assert.deepEqual(statuses(failed), [400]);
      await journeyResult(campaign, userId);

      receiver.answerWith({ status: 200 });
      const redelivered = await api(gateway, 'POST', `/v1/deliveries/${failed.id}/redeliver`);
      assert.equal(redelivered.status, 202);
      const requests = await receiver.waitFor(2);
      assert.equal(requests[1].headers['webhook-id'], failed.id);
      assert.equal(requests[1].body, requests[0].body, 'the same bytes are sent again');
      const succeeded = await settledDelivery(campaign, userId);
      assert.equal(succeeded.status, 'succeeded');
      assert.deepEqual(statuses(succeeded), [400, 200]);

      assert.equal((await api(gateway, 'POST', `/v1/deliveries/${failed.id}/redeliver`)).status, 409);
    });

    it('does not let the journey that failed a delivery mark it failed again once a redelivery reopened it', async function () {
      // The attempt records "failed" first; the journey's markDeliveryFailed follows a moment later.
      // A redelivery accepted in between, and the attempt it makes, must not be overwritten by it.
      const { receiver, campaign } = await scenario([]);
      for (let i = 0; i < 5; i++) {
        receiver.answerWith({ status: 400 }, { status: 200 });
        const [userId] = await sendEvent(campaign);
        const { delivery: failed } = await watchDelivery(campaign, userId, 'failed');
        assert.equal((await api(gateway, 'POST', `/v1/deliveries/${failed.id}/redeliver`)).status, 202);
        const { seen } = await watchDelivery(campaign, userId, 'succeeded');
        assert.ok(!seen.includes('failed'), `after the redelivery was accepted the delivery went ${seen.join(' > ')}`);
        await journeyResult(campaign, userId);
        const [final] = await deliveries({ campaignId: campaign.id, userId });
        assert.equal(
          final.status,
          'succeeded',
          `the receiver answered 200, yet the delivery ended ${final.status}: ${final.error}`,
        );
      }
    });

    it('recovers every failed delivery of a destination since a time, each with its original webhook-id', async function () {
      const since = new Date().toISOString();
      const { receiver, destination, campaign } = await scenario([{ status: 400 }]);
      const userIds = await sendEvent(campaign, 2);
      const failed = await Promise.all(userIds.map((userId) => settledDelivery(campaign, userId)));
      assert.deepEqual(
        failed.map((d) => d.status),
        ['failed', 'failed'],
      );
      await Promise.all(userIds.map((userId) => journeyResult(campaign, userId)));

      receiver.answerWith({ status: 200 });
      const recovered = await api(gateway, 'POST', `/v1/destinations/${destination.id}/recover`, { since });
      assert.equal(recovered.status, 202);
      assert.equal(recovered.body.redelivering, 2);
      const requests = await receiver.waitFor(4);
      const resent = requests.slice(2).map((r) => r.headers['webhook-id']);
      assert.deepEqual(new Set(resent), new Set(failed.map((d) => d.id)));
      for (const userId of userIds) assert.deepEqual(statuses(await settledDelivery(campaign, userId)), [400, 200]);
    });
  });

  it('test-sends a draft campaign: real answers per step, and a missing variable reported for its step', async function () {
    const receiver = await startReceiver(
      { status: 201, body: '{"queued":true}' },
      { status: 202, body: '{"points":10}' },
    );
    const destination = await createDestination(receiver.url);
    const campaign = await createCampaign(
      [
        webhookStep('welcome', { destination: destination.id, path: '/welcome' }),
        webhookStep('points', { url: `${receiver.url}/points` }),
        webhookStep('nickname', {
          destination: destination.id,
          path: '/nick',
          body: { nick: '{{user.properties.nickname}}' },
        }),
      ],
      { activate: false },
    );
    const userId = uniqueId('user');
    assert.equal(
      (await api(gateway, 'POST', '/v1/events', { userId, name: 'profile_updated', userProperties: { name: 'Ann' } }))
        .status,
      202,
    );

    const sent = await api(gateway, 'POST', `/v1/campaigns/${campaign.id}/test-send`, { userId });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const [welcome, points, nickname] = sent.body.results;
    assert.equal(welcome.stepId, 'welcome');
    assert.deepEqual(
      { status: welcome.response.status, body: welcome.response.body },
      { status: 201, body: '{"queued":true}' },
    );
    assert.equal(points.stepId, 'points');
    assert.deepEqual(
      { status: points.response.status, body: points.response.body },
      { status: 202, body: '{"points":10}' },
    );
    assert.equal(nickname.stepId, 'nickname');
    assert.equal(nickname.response, undefined);
    assert.match(nickname.error, /user\.properties\.nickname/);

    assert.deepEqual(
      receiver.requests.map((r) => r.path),
      ['/welcome', '/points'],
    );
    assert.equal((receiver.requests[0].json as { user: string }).user, userId);
    assert.deepEqual(await deliveries({ campaignId: campaign.id }), [], 'a test send records no delivery');
  });
});

// A campaign run with real traffic for the analytics tests: some webhooks succeed (one after
// a retry), some fail for good, some users convert. It answers what the receivers saw, so
// tests compare the stats with it.
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../src/gateway/start';
import { Receiver } from './receiver';
import { api, eventually, uniqueId } from './stack';

export interface StatsScenario {
  campaignId: string;
  destinationId: string;
  /** Answers 503 once, then 200: the signed "welcome" webhook. */
  provider: Receiver;
  /** Always answers 400: the "notify" webhook of users without a valid address. */
  broken: Receiver;
  /** Users whose webhook succeeded, those whose webhook failed, and those who converted. */
  delivered: string[];
  failed: string[];
  converted: string[];
  close(): Promise<void>;
}

function welcomeCampaign(id: string, destinationId: string, brokenUrl: string) {
  return {
    id,
    name: 'Welcome series',
    trigger: { event: 'signed_up' },
    goal: { event: 'purchase', within: '1h' },
    steps: [
      {
        id: 'route',
        type: 'branch',
        cases: [{ when: { field: 'user.properties.valid', op: 'eq', value: true }, next: 'welcome' }],
        default: 'notify',
      },
      {
        id: 'notify',
        type: 'webhook',
        request: { method: 'POST', url: `${brokenUrl}/notify`, body: { user: '{{user.id}}' } },
      },
      {
        id: 'welcome',
        type: 'webhook',
        request: { method: 'POST', destination: destinationId, path: '/welcome', body: { user: '{{user.id}}' } },
      },
    ],
  };
}

export async function signUp(gateway: RunningGateway, userId: string, valid: boolean): Promise<void> {
  const sent = await api(gateway, 'POST', '/v1/events', {
    id: uniqueId('evt'),
    userId,
    name: 'signed_up',
    userProperties: { valid },
  });
  assert.equal(sent.status, 202);
}

/** Waits until the campaign's deliveries have reached these numbers of succeeded and failed. */
export async function settled(
  gateway: RunningGateway,
  campaignId: string,
  succeeded: number,
  failed: number,
): Promise<void> {
  await eventually(async () => {
    const { body } = await api(gateway, 'GET', `/v1/deliveries?campaignId=${campaignId}&limit=500`);
    const count = (status: string) => body.deliveries.filter((d: { status: string }) => d.status === status).length;
    return count('succeeded') === succeeded && count('failed') === failed ? true : undefined;
  }, 60_000);
}

export async function runStatsScenario(gateway: RunningGateway): Promise<StatsScenario> {
  const provider = await Receiver.start();
  const broken = await Receiver.start();
  provider.answerWith({ status: 503 }, { status: 200 });
  broken.answerWith({ status: 400, body: '{"error":"unknown recipient"}' });
  const campaignId = uniqueId('welcome');
  const destinationId = uniqueId('provider');
  assert.equal(
    (
      await api(gateway, 'POST', '/v1/destinations', {
        id: destinationId,
        name: 'Provider',
        url: provider.url,
        retryDelays: ['1s'],
      })
    ).status,
    201,
  );
  assert.equal(
    (await api(gateway, 'POST', '/v1/campaigns', welcomeCampaign(campaignId, destinationId, broken.url))).status,
    201,
  );
  assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);

  const delivered = ['ada', 'grace', 'linus'].map((name) => `${name}-${campaignId}`);
  const failed = ['bob', 'eve'].map((name) => `${name}-${campaignId}`);
  for (const userId of delivered) await signUp(gateway, userId, true);
  for (const userId of failed) await signUp(gateway, userId, false);
  await settled(gateway, campaignId, delivered.length, failed.length);

  // A goal counts only after the journey's last webhook, which has now been sent.
  const converted = delivered.slice(0, 2);
  for (const userId of converted) {
    assert.equal(
      (await api(gateway, 'POST', '/v1/events', { id: uniqueId('buy'), userId, name: 'purchase' })).status,
      202,
    );
  }
  await eventually(async () => {
    const { body } = await api(gateway, 'GET', `/v1/campaigns/${campaignId}/stats`);
    const { conversions, exited } = body.totals;
    return conversions === converted.length &&
      exited.goalReached === converted.length &&
      exited.webhookFailed === failed.length
      ? true
      : undefined;
  }, 60_000);

  return {
    campaignId,
    destinationId,
    provider,
    broken,
    delivered,
    failed,
    converted,
    async close() {
      await provider.close();
      await broken.close();
    },
  };
}

/** Distinct webhook-ids a receiver saw. */
export function webhookIds(receiver: Receiver): Set<string> {
  return new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));
}

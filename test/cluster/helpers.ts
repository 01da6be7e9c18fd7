// What the cluster suites share: the gateways taken in turn, campaigns every gateway knows,
// the CLI pointed at the cluster, and which worker processes ran a journey.
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { runCli } from '../support/cli';
import type { Receiver } from '../support/receiver';
import { API_KEY, TEST_CODEC_KEYS, api, uniqueId } from '../support/stack';
import { layout } from './hooks';

let turn = 0;

/** The next gateway, in turn, as a round-robin load balancer would pick it. */
export function nextGateway(): { url: string } {
  const urls = layout().gatewayUrls;
  return { url: urls[turn++ % urls.length] };
}

/** Posts one event per user, alternating between the gateways; each must be accepted. */
export async function postEvents(
  name: string,
  userIds: string[],
  properties: Record<string, unknown> = {},
  userProperties: Record<string, unknown> = {},
) {
  for (const userId of userIds) {
    const accepted = await api(nextGateway(), 'POST', '/v1/events', { userId, name, properties, userProperties });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  }
}

/** The event that starts a probe journey: by default the trigger event and nothing more. */
export type ProbeEvent = (userId: string) => Record<string, unknown>;

/**
 * Creates and activates a campaign through one gateway, then waits until every other gateway
 * has picked it up (they refresh their live campaigns on an interval): a probe event through
 * each must start a journey whose webhook names the probe user. Returns the probe users.
 */
export async function activateEverywhere(
  campaign: { id: string; trigger: { event: string } } & Record<string, unknown>,
  receiver: Receiver,
  probeEvent: ProbeEvent = (userId) => ({ userId, name: campaign.trigger.event }),
  probeWaitMs = 5_000,
): Promise<string[]> {
  const [first, ...others] = layout().gatewayUrls.map((url) => ({ url }));
  const created = await api(first, 'POST', '/v1/campaigns', { name: `Cluster test ${campaign.id}`, ...campaign });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await api(first, 'POST', `/v1/campaigns/${campaign.id}/activate`)).status, 200);
  const probes: string[] = [];
  for (const gateway of others) {
    const probe = uniqueId('probe');
    probes.push(probe);
    for (;;) {
      await api(gateway, 'POST', '/v1/events', probeEvent(probe));
      if (await reached(receiver, probe, probeWaitMs)) break;
    }
  }
  return probes;
}

async function reached(receiver: Receiver, userId: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (receiver.requests.some((r) => JSON.stringify(r.json ?? null).includes(userId))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The users each path of the receiver heard from, in arrival order (bodies carry `user`). */
export function usersAt(receiver: Receiver, path: string): string[] {
  return receiver.requests.filter((r) => r.path === path).map((r) => (r.json as { user: string }).user);
}

/** `hookway …` against the cluster's first gateway and its Temporal frontend. */
export async function hookwayJson<T>(...args: string[]): Promise<T> {
  const env = {
    PATH: process.env.PATH,
    HOOKWAY_URL: layout().gatewayUrls[0],
    HOOKWAY_API_KEY: API_KEY,
    // The operator holds the codec keys the workers have, to read what journeys carry.
    HOOKWAY_CODEC_KEYS: TEST_CODEC_KEYS,
    TEMPORAL_ADDRESS: layout().temporal.address,
  };
  const run = await runCli([...args, '--json'], { env });
  assert.equal(run.code, 0, `hookway ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/**
 * The identities (pid@host) of the workers that started each activity of a journey, in order;
 * Temporal records them in the workflow's history.
 */
export async function activityWorkers(client: Client, campaignId: string, userId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(journeyWorkflowId(campaignId, userId)).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.activityTaskStartedEventAttributes?.identity ? [e.activityTaskStartedEventAttributes.identity] : [],
  );
}

/** The pid in a worker identity such as 1234@host. */
export const pidOf = (identity: string) => Number(identity.split('@')[0]);

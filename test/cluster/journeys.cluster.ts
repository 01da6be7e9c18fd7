// Journeys on the production layout: events posted in turn to both gateways all become
// journeys that both workers run, each user reached once; and a worker killed mid-run leaves
// its journeys to the other, which finishes every one of them.
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { connectClient } from '../../src/temporal/connect';
import { Receiver } from '../support/receiver';
import { eventually, testCodec, uniqueId } from '../support/stack';
import { layout } from './hooks';
import { activateEverywhere, activityWorkers, pidOf, postEvents, usersAt } from './helpers';

const USERS = 30;

const users = (prefix: string) => Array.from({ length: USERS }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

function countsOf(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

const webhook = (receiver: Receiver, id: string) => ({
  id,
  type: 'webhook',
  request: { url: `${receiver.url}/${id}`, body: { user: '{{user.id}}' } },
});

/**
 * Journeys of `ids` whose second step came after the kill, each of which must have run that step on the
 * survivor; returns how many of them the killed worker had started. On a busy machine the first delays may end
 * before the kill, so only those journeys say anything.
 */
async function orphanedJourneys(
  client: Client,
  receiver: Receiver,
  campaignId: string,
  ids: string[],
  killed: { at: number; doomed: number; survivor: number },
): Promise<number> {
  const secondAfterKill = new Set(
    receiver.requests
      .filter((r) => r.path === '/second' && r.at > killed.at)
      .map((r) => (r.json as { user: string }).user),
  );
  let orphaned = 0;
  for (const userId of ids.filter((id) => secondAfterKill.has(id))) {
    const [first, second] = (await activityWorkers(client, campaignId, userId)).map(pidOf);
    assert.equal(second, killed.survivor, `journey of ${userId}: its second step ran on the surviving worker`);
    if (first === killed.doomed) orphaned++;
  }
  return orphaned;
}

describe('journeys on the production layout (two gateways, two workers, Temporal on PostgreSQL)', function () {
  let receiver: Receiver;
  let client: Client;

  before(async function () {
    receiver = await Receiver.start();
    client = await connectClient(layout().temporal.address, 'default', testCodec());
  });

  after(async function () {
    await client?.connection.close();
    await receiver?.close();
  });

  it('turns events posted to either gateway into journeys both workers run, each user reached once', async function () {
    const campaignId = uniqueId('cluster-welcome');
    const probes = await activateEverywhere(
      {
        id: campaignId,
        trigger: { event: 'signed_up' },
        steps: [webhook(receiver, 'welcome')],
      },
      receiver,
    );
    const ids = users(uniqueId('member'));
    await postEvents('signed_up', ids);
    const everyone = [...probes, ...ids];
    await eventually(async () => (usersAt(receiver, '/welcome').length >= everyone.length ? true : undefined), 180_000);
    assert.deepEqual(
      [...countsOf(usersAt(receiver, '/welcome')).entries()].filter(([, n]) => n !== 1),
      [],
      'a user was reached more than once',
    );
    const completed = `CampaignId="${campaignId}" AND ExecutionStatus="Completed"`;
    await eventually(
      async () => ((await client.workflow.count(completed)).count === everyone.length ? true : undefined),
      60_000,
    );

    const workers = new Set<number>();
    for (const userId of ids)
      for (const identity of await activityWorkers(client, campaignId, userId)) workers.add(pidOf(identity));
    const running = [layout().pid('worker', 0), layout().pid('worker', 1)];
    assert.deepEqual([...workers].sort(), running.sort(), 'both workers, and only they, ran the journeys');
  });

  it('finishes on the other worker the journeys a killed worker was running', async function () {
    const campaignId = uniqueId('cluster-followup');
    const pause = { id: 'pause', type: 'delay', duration: '60s' };
    const steps = [webhook(receiver, 'first'), pause, webhook(receiver, 'second')];
    const probes = await activateEverywhere({ id: campaignId, trigger: { event: 'ordered' }, steps }, receiver);
    const ids = users(uniqueId('buyer'));
    await postEvents('ordered', ids);
    await eventually(
      async () => (ids.every((id) => usersAt(receiver, '/first').includes(id)) ? true : undefined),
      180_000,
    );
    // Killed at once, while journeys wait out their delay; who ran what is read afterwards.
    const doomed = layout().pid('worker', 0)!;
    const survivor = layout().pid('worker', 1)!;
    await layout().killNode('worker', 0);
    const killedAt = Date.now();
    try {
      const everyone = [...probes, ...ids];
      await eventually(
        async () => (everyone.every((id) => usersAt(receiver, '/second').includes(id)) ? true : undefined),
        240_000,
      );
      const seconds = usersAt(receiver, '/second');
      assert.equal(seconds.length, new Set(seconds).size, 'a user got the second step twice');
      const orphaned = await orphanedJourneys(client, receiver, campaignId, ids, { at: killedAt, doomed, survivor });
      assert.ok(orphaned > 0, 'the killed worker had journeys in flight, and the other one finished them');
    } finally {
      await layout().startNode('worker', 0);
    }
  });
});

// Faults on the production layout: a gateway killed while the other keeps taking events, and
// the Temporal server stopped while events keep coming. Every event a gateway acknowledged
// (202) becomes exactly one journey once the fault is over.
import assert from 'node:assert/strict';
import { Receiver } from '../support/receiver';
import { api, eventually, uniqueId } from '../support/stack';
import { layout } from './hooks';
import { activateEverywhere, usersAt } from './helpers';

const USERS = 20;

describe('faults on the production layout', function () {
  let receiver: Receiver;

  before(async function () {
    receiver = await Receiver.start();
  });

  after(async function () {
    await receiver?.close();
  });

  const hello = (path: string) => ({
    type: 'webhook',
    request: { url: `${receiver.url}/${path}`, body: { user: '{{user.id}}' } },
  });

  /** A campaign whose one step tells the receiver which user it reached, active on every gateway. */
  async function welcomeCampaign(event: string): Promise<void> {
    const steps = [{ id: 'hello', ...hello(event) }];
    await activateEverywhere({ id: uniqueId(`cluster-${event}`), trigger: { event }, steps }, receiver);
  }

  /** Posts one event per user to the gateway at index (mod the gateways); returns the users whose event was acknowledged. */
  async function post(event: string, userIds: string[], gateway: (i: number) => number): Promise<string[]> {
    const acknowledged: string[] = [];
    for (const [i, userId] of userIds.entries()) {
      const url = layout().gatewayUrls[gateway(i)];
      const answer = await api({ url }, 'POST', '/v1/events', { userId, name: event }).catch(() => undefined);
      if (answer?.status === 202) acknowledged.push(userId);
    }
    return acknowledged;
  }

  async function reachedOnce(event: string, userIds: string[]): Promise<void> {
    await eventually(
      async () => (userIds.every((id) => usersAt(receiver, `/${event}`).includes(id)) ? true : undefined),
      240_000,
    );
    const reached = usersAt(receiver, `/${event}`).filter((id) => userIds.includes(id));
    assert.equal(reached.length, userIds.length, 'a user was reached more than once');
  }

  it('goes on through the other gateway while one is down, and through both once it is back', async function () {
    await welcomeCampaign('visited');
    const prefix = uniqueId('visitor');
    await layout().killNode('gateway', 0);
    let acknowledged: string[];
    try {
      acknowledged = await post(
        'visited',
        Array.from({ length: USERS }, (_, i) => `${prefix}-down-${i}`),
        () => 1,
      );
      assert.equal(acknowledged.length, USERS, 'the surviving gateway acknowledged every event');
    } finally {
      await layout().startNode('gateway', 0);
    }
    acknowledged.push(
      ...(await post(
        'visited',
        Array.from({ length: USERS }, (_, i) => `${prefix}-up-${i}`),
        (i) => i % 2,
      )),
    );
    assert.equal(acknowledged.length, 2 * USERS, 'both gateways acknowledged every event');
    await reachedOnce('visited', acknowledged);
  });

  it('turns every event acknowledged while the Temporal server was stopped into one journey once it is back', async function () {
    await welcomeCampaign('returned');
    const prefix = uniqueId('returner');
    await layout().stopTemporal();
    let acknowledged: string[];
    try {
      acknowledged = await post(
        'returned',
        Array.from({ length: USERS }, (_, i) => `${prefix}-${i}`),
        (i) => i % 2,
      );
    } finally {
      await layout().startTemporal();
    }
    assert.ok(acknowledged.length > 0, 'the gateways kept acknowledging events while Temporal was down');
    await reachedOnce('returned', acknowledged);
  });

  it('finishes the journeys a database stop caught mid-way, and refuses events it cannot keep with a 503', async function () {
    // Each journey greets, waits, then says goodbye: the database goes down during the wait.
    const steps = [
      { id: 'hello', ...hello('paused-hello') },
      { id: 'wait', type: 'delay', duration: '3s' },
    ];
    steps.push({ id: 'bye', ...hello('paused') });
    await activateEverywhere({ id: uniqueId('cluster-paused'), trigger: { event: 'paused' }, steps }, receiver);
    const prefix = uniqueId('sleeper');
    const before = await post(
      'paused',
      Array.from({ length: USERS }, (_, i) => `${prefix}-before-${i}`),
      (i) => i % 2,
    );
    assert.equal(before.length, USERS, 'both gateways acknowledged every event before the stop');
    await eventually(async () => before.every((id) => usersAt(receiver, '/paused-hello').includes(id)) || undefined);
    await layout().killDatabase();
    const refused: number[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const answer = await api({ url: layout().gatewayUrls[i % 2] }, 'POST', '/v1/events', {
          userId: `${prefix}-during-${i}`,
          name: 'paused',
        });
        refused.push(answer.status);
      }
    } finally {
      await layout().startDatabase();
    }
    assert.deepEqual(refused, [503, 503, 503, 503], 'an event the database could not keep is refused, not lost');
    const after = await post(
      'paused',
      Array.from({ length: USERS }, (_, i) => `${prefix}-after-${i}`),
      (i) => i % 2,
    );
    await reachedOnce('paused', [...before, ...after]);
  });
});

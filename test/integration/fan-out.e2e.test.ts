// Entering many users at once through the API, end to end on the real Temporal dev server,
// FerretDB, gateway and worker, with a real HTTP receiver: exact users and properties,
// resumption after a worker restart without double entries, cancellation and pacing.
import assert from 'node:assert/strict';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import type { RunningGateway } from '../../src/gateway/start';
import { connectClient } from '../../src/temporal/connect';
import { Receiver } from '../support/receiver';
import { api, eventually, stack, startTestGateway, startWorker, testCodec, uniqueId } from '../support/stack';

describe('fan-out: entering many users at once', function () {
  // A worker restart and paced runs take minutes on a loaded machine.
  this.timeout(300_000);
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let campaignId: string;
  const taskQueue = uniqueId('fanout');

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    campaignId = uniqueId('coupon');
    const saved = await api(gateway, 'POST', '/v1/campaigns', {
      id: campaignId,
      name: 'Coupon',
      trigger: { event: 'coupon_issued' },
      steps: [
        {
          id: 'send',
          type: 'webhook',
          request: {
            url: `${receiver.url}/coupon`,
            body: { user: '{{user.id}}', coupon: '{{event.properties.coupon}}', event: '{{event.name}}' },
          },
        },
      ],
    });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
  });

  const users = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      userId: `${prefix}-${String(i).padStart(4, '0')}`,
      properties: { coupon: `C${i}` },
    }));

  async function trigger(body: unknown): Promise<string> {
    const answer = await api(gateway, 'POST', `/v1/campaigns/${campaignId}/trigger`, body);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    return answer.body.fanOutId;
  }

  const progressOf = async (id: string) => (await api(gateway, 'GET', `/v1/fanouts/${encodeURIComponent(id)}`)).body;

  function waitForStatus(id: string, status: string, timeoutMs = 60_000) {
    return eventually(async () => {
      const view = await progressOf(id);
      return view?.progress?.status === status ? view : undefined;
    }, timeoutMs);
  }

  /** Distinct webhook-ids the receiver got per user of a prefix: a user entered twice would have two. */
  function webhookIdsPerUser(prefix: string): Map<string, Set<string>> {
    const ids = new Map<string, Set<string>>();
    for (const request of receiver.requests) {
      const user = (request.json as { user?: string } | undefined)?.user;
      if (!user?.startsWith(`${prefix}-`)) continue;
      ids.set(user, (ids.get(user) ?? new Set()).add(String(request.headers['webhook-id'])));
    }
    return ids;
  }

  it('enters exactly the listed users, each with its own properties in the webhook body', async function () {
    const prefix = uniqueId('listed');
    const listed = users(prefix, 5);
    const fanOutId = await trigger({ users: [...listed, listed[0]], event: 'coupon_granted' });
    const done = await waitForStatus(fanOutId, 'completed');
    assert.deepEqual(
      { matched: done.progress.matched, entered: done.progress.entered, skipped: done.progress.skipped },
      { matched: 5, entered: 5, skipped: 0 },
    );
    await eventually(async () => (webhookIdsPerUser(prefix).size === 5 ? true : undefined));
    const bodies = receiver.requests.map((r) => r.json as { user: string }).filter((b) => b.user.startsWith(prefix));
    assert.deepEqual(
      bodies.sort((a, b) => a.user.localeCompare(b.user)),
      listed.map((u) => ({ user: u.userId, coupon: u.properties.coupon, event: 'coupon_granted' })),
    );
    const listing = await api(gateway, 'GET', `/v1/campaigns/${campaignId}/fanouts`);
    await eventually(async () => {
      const { body } = await api(gateway, 'GET', `/v1/campaigns/${campaignId}/fanouts`);
      return body.fanOuts.some((f: { id: string }) => f.id === fanOutId) ? true : undefined;
    });
    assert.equal(listing.status, 200);
  });

  it('refuses a bad trigger with a 4xx naming the field, and starts nothing', async function () {
    const cases: Array<[unknown, string]> = [
      [{}, 'users'],
      [{ users: [] }, 'users'],
      [{ users: [{ userId: '' }] }, 'users.0.userId'],
      [{ users: [{ userId: 'u1', properties: { $where: 1 } }] }, 'users.0.properties.$where'],
      [{ users: [{ userId: 'u1' }], entriesPerSecond: 0 }, 'entriesPerSecond'],
      [{ users: [{ userId: 'u1' }], extra: true }, '(root)'],
      [{ users: Array.from({ length: 10_001 }, (_, i) => ({ userId: `u${i}` })) }, 'users'],
    ];
    for (const [body, path] of cases) {
      const answer = await api(gateway, 'POST', `/v1/campaigns/${campaignId}/trigger`, body);
      assert.equal(answer.status, 400, JSON.stringify(body).slice(0, 80));
      assert.ok(
        answer.body.error.issues.some((i: { path: string }) => i.path === path),
        `${path}: ${JSON.stringify(answer.body.error.issues)}`,
      );
    }
    assert.equal(
      (await api(gateway, 'POST', '/v1/campaigns/no-such-campaign/trigger', { users: [{ userId: 'u1' }] })).status,
      404,
    );
    assert.equal((await api(gateway, 'GET', '/v1/fanouts/no-such-fanout')).status, 404);
  });

  it('resumes after its worker is replaced mid-way and enters nobody twice', async function () {
    const prefix = uniqueId('resumed');
    const fanOutId = await trigger({ users: users(prefix, 60), entriesPerSecond: 10 });
    await eventually(async () => ((await progressOf(fanOutId))?.progress?.entered >= 10 ? true : undefined));
    await worker.stop();
    const halfway = (await progressOf(fanOutId)).progress.entered;
    assert.ok(halfway < 60, `the fan-out had already finished (${halfway})`);
    worker = await startWorker(taskQueue);
    const done = await waitForStatus(fanOutId, 'completed', 240_000);
    assert.equal(done.progress.matched, 60);
    assert.equal(done.progress.entered + done.progress.skipped, 60);
    // The fan-out has made all its entries; once each user's journey has ended, all its webhooks have gone out.
    const client = await connectClient(stack().temporalAddress, 'default', testCodec());
    try {
      for (const { userId } of users(prefix, 60))
        await client.workflow.getHandle(journeyWorkflowId(campaignId, userId)).result();
    } finally {
      await client.connection.close();
    }
    assert.equal(webhookIdsPerUser(prefix).size, 60);
    for (const [user, ids] of webhookIdsPerUser(prefix))
      assert.equal(ids.size, 1, `${user} was entered ${ids.size} times`);
  });

  it('stops when cancelled, and its progress shows how far it got', async function () {
    const prefix = uniqueId('cancelled');
    const fanOutId = await trigger({ users: users(prefix, 200), entriesPerSecond: 5 });
    await eventually(async () => ((await progressOf(fanOutId))?.progress?.entered >= 5 ? true : undefined));
    const cancelled = await api(gateway, 'POST', `/v1/fanouts/${encodeURIComponent(fanOutId)}/cancel`);
    assert.equal(cancelled.status, 202);
    const view = await eventually(async () => {
      const current = await progressOf(fanOutId);
      return current.execution === 'CANCELLED' ? current : undefined;
    }, 60_000);
    assert.equal(view.progress.status, 'cancelled');
    assert.ok(view.progress.entered >= 5 && view.progress.entered < 200, `entered ${view.progress.entered}`);
    // Each user the fan-out counted gets its webhook, and only those: the counts meet.
    await eventually(async () => (webhookIdsPerUser(prefix).size >= view.progress.entered ? true : undefined), 60_000);
    assert.equal(webhookIdsPerUser(prefix).size, view.progress.entered);
    assert.equal((await api(gateway, 'POST', `/v1/fanouts/${encodeURIComponent(fanOutId)}/cancel`)).status, 409);
  });

  it('holds while its campaign is paused, goes on when it is resumed, and ends when it is archived', async function () {
    const held = uniqueId('held');
    const saved = await api(gateway, 'POST', '/v1/campaigns', {
      id: held,
      name: 'Held',
      trigger: { event: 'coupon_issued' },
      steps: [{ id: 'send', type: 'webhook', request: { url: `${receiver.url}/held`, body: { user: '{{user.id}}' } } }],
    });
    assert.equal(saved.status, 201);
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${held}/activate`)).status, 200);
    const statusOf = async (id: string) =>
      (await api(gateway, 'GET', `/v1/fanouts/${encodeURIComponent(id)}`)).body?.progress?.status;
    const start = async (prefix: string) => {
      const answer = await api(gateway, 'POST', `/v1/campaigns/${held}/trigger`, {
        users: users(prefix, 30),
        entriesPerSecond: 5,
      });
      assert.equal(answer.status, 202);
      return answer.body.fanOutId as string;
    };

    const first = await start(uniqueId('paused'));
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${held}/pause`)).status, 200);
    await eventually(async () => ((await statusOf(first)) === 'paused' ? true : undefined), 60_000);
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${held}/resume`)).status, 200);
    const done = await waitForStatus(first, 'completed', 90_000);
    assert.equal(done.progress.entered + done.progress.skipped, 30);

    const second = await start(uniqueId('archived'));
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${held}/archive`)).status, 200);
    const ended = await waitForStatus(second, 'campaignEnded', 60_000);
    assert.ok(ended.progress.entered < 30);
  });

  it('enters users at the pace asked for, batch by batch', async function () {
    const prefix = uniqueId('paced');
    const fanOutId = await trigger({ users: users(prefix, 40), entriesPerSecond: 10 });
    const seen = new Set<number>();
    await eventually(async () => {
      const view = await progressOf(fanOutId);
      if (view?.progress) seen.add(view.progress.entered);
      return view?.progress?.status === 'completed' ? true : undefined;
    }, 60_000);
    // At 10 per second the 40 users go in batches of at most 10, so the progress passes through in-between counts.
    const between = [...seen].filter((n) => n > 0 && n < 40);
    assert.ok(between.length >= 2, `progress went ${[...seen].join(' → ')}`);
    assert.ok(
      between.every((n) => n % 10 === 0),
      `batches larger than the pace: ${[...seen].join(' → ')}`,
    );
  });
});

// Operating the production layout: the CLI lists and batch-cancels a campaign's journeys
// through the server's advanced visibility on PostgreSQL, and a scheduled campaign fires on
// its cron and enters its segment's users.
import assert from 'node:assert/strict';
import { Receiver } from '../support/receiver';
import { api, eventually, uniqueId } from '../support/stack';
import { activateEverywhere, hookwayJson, nextGateway, postEvents, usersAt } from './helpers';

const USERS = 12;

interface Listed {
  journeys: Array<{ userId: string; status: string }>;
}

describe('operating the production layout', function () {
  let receiver: Receiver;

  before(async function () {
    receiver = await Receiver.start();
  });

  after(async function () {
    await receiver?.close();
  });

  const webhook = (id: string) => ({
    id,
    type: 'webhook',
    request: { url: `${receiver.url}/${id}`, body: { user: '{{user.id}}' } },
  });

  it("lists a campaign's running journeys and cancels them all with the CLI", async function () {
    const campaignId = uniqueId('cluster-cart');
    const steps = [webhook('reminder'), { id: 'later', type: 'delay', duration: '1h' }, webhook('never')];
    const probes = await activateEverywhere({ id: campaignId, trigger: { event: 'cart_left' }, steps }, receiver);
    const ids = Array.from({ length: USERS }, (_, i) => `${campaignId}-shopper-${i}`);
    await postEvents('cart_left', ids);
    const everyone = [...probes, ...ids].sort();

    const running = await eventually(async () => {
      const listed = await hookwayJson<Listed>('journeys', 'list', '--campaign', campaignId, '--status', 'running');
      return listed.journeys.length === everyone.length ? listed : undefined;
    }, 120_000);
    assert.deepEqual(running.journeys.map((j) => j.userId).sort(), everyone);

    assert.deepEqual(await hookwayJson('campaigns', 'cancel', campaignId), { cancelled: everyone.length });
    const cancelled = await eventually(async () => {
      const listed = await hookwayJson<Listed>('journeys', 'list', '--campaign', campaignId, '--status', 'cancelled');
      return listed.journeys.length === everyone.length ? listed : undefined;
    }, 120_000);
    assert.deepEqual(cancelled.journeys.map((j) => j.userId).sort(), everyone);
    assert.deepEqual(
      (await hookwayJson<Listed>('journeys', 'list', '--campaign', campaignId, '--status', 'running')).journeys,
      [],
    );
  });

  it("fires a scheduled campaign on its cron and enters the segment's users", async function () {
    const cohort = uniqueId('cohort');
    const members = ['a', 'b', 'c'].map((s) => `${cohort}-${s}`);
    await postEvents('profile_updated', members, {}, { cohort });
    await postEvents('profile_updated', [`${cohort}-outsider`], {}, { cohort: 'other' });
    const segment = {
      id: cohort,
      name: `Cohort ${cohort}`,
      condition: { field: 'user.properties.cohort', op: 'eq', value: cohort },
    };
    assert.equal((await api(nextGateway(), 'POST', '/v1/segments', segment)).status, 201);
    await eventually(
      async () =>
        (await api(nextGateway(), 'GET', `/v1/segments/${cohort}/preview`)).body?.count === members.length
          ? true
          : undefined,
      60_000,
    );

    const campaignId = uniqueId('cluster-digest');
    const campaign = {
      id: campaignId,
      name: 'Every minute',
      trigger: { event: 'digest_requested' },
      schedule: { segment: cohort, cron: '* * * * *' },
      steps: [webhook('digest')],
    };
    const gateway = nextGateway();
    assert.equal((await api(gateway, 'POST', '/v1/campaigns', campaign)).status, 201);
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
    // The next minute's tick, run by the server's own scheduler.
    await eventually(
      async () => (members.every((m) => usersAt(receiver, '/digest').includes(m)) ? true : undefined),
      180_000,
    );
    const reached = new Set(usersAt(receiver, '/digest').filter((user) => user.startsWith(cohort)));
    assert.deepEqual([...reached].sort(), members, 'the segment, and only it, is entered');
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/archive`)).status, 200);
  });
});

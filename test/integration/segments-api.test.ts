// Named segments and user profiles through the API, against a real gateway and FerretDB.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import type { RunningGateway } from '../../src/gateway/start';
import { api, eventually, startTestGateway, testRepositories, uniqueId } from '../support/stack';

const campaignWith = (id: string, extra: Record<string, unknown>) => ({
  id,
  name: 'Win back',
  trigger: { event: 'app_opened' },
  steps: [{ id: 'ping', type: 'webhook', request: { url: 'http://127.0.0.1:9/ping' } }],
  ...extra,
});

describe('segments and users API', function () {
  this.timeout(120_000);
  let gateway: RunningGateway;
  let repositories: Repositories;
  const taskQueue = uniqueId('segments-api');

  before(async function () {
    gateway = await startTestGateway(taskQueue);
    repositories = await testRepositories(taskQueue);
    const now = Date.now();
    const events = [];
    for (let i = 0; i < 12; i++) {
      const userId = `shopper-${String(i).padStart(2, '0')}`;
      events.push({
        userId,
        name: 'signed_up',
        userProperties: { tier: i % 3 === 0 ? 'gold' : 'basic' },
        timestamp: new Date(now - 40 * 86_400_000).toISOString(),
      });
      // Shoppers 00–05 bought twice in the last week, the others long ago.
      const daysAgo = i < 6 ? 2 : 60;
      events.push({
        userId,
        name: 'purchase',
        properties: { amount: 20 * i },
        timestamp: new Date(now - daysAgo * 86_400_000).toISOString(),
      });
      if (i < 6)
        events.push({
          userId,
          name: 'purchase',
          properties: { amount: 5 },
          timestamp: new Date(now - 86_400_000).toISOString(),
        });
    }
    assert.equal((await api(gateway, 'POST', '/v1/events', { events })).status, 202);
    // Users' histories get a post's events once it is answered, all of them in one fold.
    await eventually(async () =>
      (await api(gateway, 'GET', '/v1/users/shopper-11')).body.recentEvents?.length === 2 ? true : undefined,
    );
  });

  after(async function () {
    await gateway.close();
    await repositories.connection.close();
  });

  const recentBuyers = {
    id: 'recent-buyers',
    name: 'Recent buyers',
    condition: { performed: 'purchase', atLeast: 2, within: '30d' },
  };

  it('creates, lists, shows and replaces a segment', async function () {
    const created = await api(gateway, 'POST', '/v1/segments', recentBuyers);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.condition, recentBuyers.condition);
    assert.equal((await api(gateway, 'POST', '/v1/segments', recentBuyers)).status, 409);
    assert.ok(
      (await api(gateway, 'GET', '/v1/segments')).body.segments.some((s: { id: string }) => s.id === 'recent-buyers'),
    );
    assert.equal((await api(gateway, 'GET', '/v1/segments/recent-buyers')).body.name, 'Recent buyers');
    const gold = {
      id: 'gold-buyers',
      name: 'Gold buyers',
      condition: { all: [{ segment: 'recent-buyers' }, { field: 'user.properties.tier', op: 'eq', value: 'silver' }] },
    };
    assert.equal((await api(gateway, 'POST', '/v1/segments', gold)).status, 201);
    const fixed = {
      ...gold,
      condition: { all: [{ segment: 'recent-buyers' }, { field: 'user.properties.tier', op: 'eq', value: 'gold' }] },
    };
    const replaced = await api(gateway, 'PUT', '/v1/segments/gold-buyers', fixed);
    assert.equal(replaced.status, 200);
    assert.deepEqual((await api(gateway, 'GET', '/v1/segments/gold-buyers')).body.condition, fixed.condition);
    assert.equal((await api(gateway, 'GET', '/v1/segments/nope')).status, 404);
  });

  it('previews a behavioural segment: the count of matching users (exact below the bound) and a sample in id order', async function () {
    const preview = await api(gateway, 'GET', '/v1/segments/recent-buyers/preview?sample=3');
    assert.equal(preview.status, 200);
    assert.deepEqual(preview.body, {
      segment: 'recent-buyers',
      count: 6,
      exact: true,
      sample: ['shopper-00', 'shopper-01', 'shopper-02'],
    });
    const gold = await api(gateway, 'GET', '/v1/segments/gold-buyers/preview');
    assert.deepEqual(gold.body, {
      segment: 'gold-buyers',
      count: 2,
      exact: true,
      sample: ['shopper-00', 'shopper-03'],
    });
    assert.equal((await api(gateway, 'GET', '/v1/segments/recent-buyers/preview?sample=1000')).status, 400);
  });

  it('refuses bad segments with a 400 naming the path, and stores nothing', async function () {
    const cases: Array<[unknown, RegExp]> = [
      [
        { id: 'bad', name: 'x', condition: { field: 'user.properties.a', op: 'eq', value: { $gt: '' } } },
        /condition\.value/,
      ],
      [{ id: 'bad', name: 'x', condition: { $where: 'sleep(100)' } }, /\$where/],
      [
        { id: 'bad', name: 'x', condition: { field: 'user.properties.$where', op: 'eq', value: 1 } },
        /condition\.field/,
      ],
      [{ id: 'bad', name: 'x', condition: { performed: 'purchase' } }, /condition\.within/],
      [
        {
          id: 'bad',
          name: 'x',
          condition: { performed: 'purchase', within: '7d', where: { field: 'user.id', op: 'eq', value: 'u' } },
        },
        /condition\.where\.field/,
      ],
      [
        { id: 'bad', name: 'x', condition: { any: [{ segment: 'missing' }] } },
        /condition\.any\.0\.segment: segment "missing" does not exist/,
      ],
      [{ id: '$bad', name: 'x', condition: { segment: 'recent-buyers' } }, /id/],
    ];
    for (const [body, message] of cases) {
      const answer = await api(gateway, 'POST', '/v1/segments', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.body.error.message, message);
    }
    assert.equal((await api(gateway, 'GET', '/v1/segments/bad')).status, 404);
  });

  it('refuses a segment that would reach itself', async function () {
    await api(gateway, 'POST', '/v1/segments', { id: 'loop-a', name: 'A', condition: { segment: 'recent-buyers' } });
    await api(gateway, 'POST', '/v1/segments', { id: 'loop-b', name: 'B', condition: { segment: 'loop-a' } });
    const cycle = await api(gateway, 'PUT', '/v1/segments/loop-a', {
      id: 'loop-a',
      name: 'A',
      condition: { segment: 'loop-b' },
    });
    assert.equal(cycle.status, 400);
    assert.match(cycle.body.error.message, /condition: segment "loop-a" refers to itself/);
    assert.deepEqual((await api(gateway, 'GET', '/v1/segments/loop-a')).body.condition, { segment: 'recent-buyers' });
  });

  it('refuses a chain of segments deeper than five', async function () {
    assert.equal(
      (
        await api(gateway, 'POST', '/v1/segments', {
          id: 'chain-1',
          name: '1',
          condition: { segment: 'recent-buyers' },
        })
      ).status,
      201,
    );
    for (const n of [2, 3, 4]) {
      assert.equal(
        (
          await api(gateway, 'POST', '/v1/segments', {
            id: `chain-${n}`,
            name: `${n}`,
            condition: { segment: `chain-${n - 1}` },
          })
        ).status,
        201,
      );
    }
    const tooDeep = await api(gateway, 'POST', '/v1/segments', {
      id: 'chain-5',
      name: '5',
      condition: { segment: 'chain-4' },
    });
    assert.equal(tooDeep.status, 400);
    assert.match(
      tooDeep.body.error.message,
      /condition: segments refer to segments more than 5 deep: chain-5 → chain-4 → chain-3 → chain-2 → chain-1/,
    );
  });

  it('campaign audiences and branches may reference a segment; an unknown one is a 400 naming the path', async function () {
    const ok = await api(
      gateway,
      'POST',
      '/v1/campaigns',
      campaignWith(uniqueId('winback'), { audience: { segment: 'recent-buyers' } }),
    );
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const unknownAudience = await api(
      gateway,
      'POST',
      '/v1/campaigns',
      campaignWith(uniqueId('winback'), { audience: { not: { segment: 'ghosts' } } }),
    );
    assert.equal(unknownAudience.status, 400);
    assert.match(unknownAudience.body.error.message, /audience\.not\.segment: segment "ghosts" does not exist/);
    const branching = campaignWith(uniqueId('winback'), {
      steps: [
        { id: 'split', type: 'branch', cases: [{ when: { segment: 'ghosts' }, next: 'ping' }], default: 'ping' },
        { id: 'ping', type: 'webhook', request: { url: 'http://127.0.0.1:9/ping' } },
      ],
    });
    const unknownBranch = await api(gateway, 'POST', '/v1/campaigns', branching);
    assert.equal(unknownBranch.status, 400);
    assert.match(
      unknownBranch.body.error.message,
      /steps\.0\.cases\.0\.when\.segment: segment "ghosts" does not exist/,
    );
    const trigger = await api(
      gateway,
      'POST',
      '/v1/campaigns',
      campaignWith(uniqueId('winback'), { trigger: { event: 'app_opened', where: { segment: 'recent-buyers' } } }),
    );
    assert.equal(trigger.status, 400);
    assert.match(trigger.body.error.message, /trigger\.where: may only read event fields/);
  });

  it('identifies a user: properties merged into the profile, keys checked as for events', async function () {
    const first = await api(gateway, 'POST', '/v1/users/new-user', { properties: { plan: 'pro', seats: 3 } });
    assert.equal(first.status, 200);
    const second = await api(gateway, 'POST', '/v1/users/new-user', { properties: { seats: 5 } });
    assert.deepEqual(second.body.properties, { plan: 'pro', seats: 5 });
    for (const body of [
      { properties: { $set: 1 } },
      { properties: { 'a.b': 1 } },
      { properties: { __proto__: 1 } },
      { props: {} },
      { properties: [] },
    ]) {
      const refused = await api(
        gateway,
        'POST',
        '/v1/users/new-user',
        typeof body === 'object' && '__proto__' in body ? '{"properties":{"__proto__":{"x":1}}}' : body,
      );
      assert.equal(refused.status, 400, JSON.stringify(body));
    }
    assert.deepEqual((await api(gateway, 'GET', '/v1/users/new-user')).body.properties, { plan: 'pro', seats: 5 });
  });

  it('shows a user: profile, recent events latest first, and journeys', async function () {
    const user = await api(gateway, 'GET', '/v1/users/shopper-01');
    assert.equal(user.status, 200);
    assert.equal(user.body.properties.tier, 'basic');
    assert.deepEqual(
      user.body.recentEvents.map((e: { name: string }) => e.name),
      ['purchase', 'purchase', 'signed_up'],
    );
    assert.deepEqual(user.body.journeys, []);
    assert.ok(Date.parse(user.body.firstSeen) < Date.parse(user.body.lastSeen));
    assert.equal((await api(gateway, 'GET', '/v1/users/nobody-here')).status, 404);
  });
});

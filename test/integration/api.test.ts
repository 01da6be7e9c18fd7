// What a customer's engineer sees when a request is wrong: a 4xx that names the field and
// the problem, and nothing stored.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import type { RunningGateway } from '../../src/gateway/start';
import { api, startTestGateway, testRepositories, uniqueId } from '../support/stack';

const validCampaign = (id: string) => ({
  id,
  name: 'Points for a review',
  trigger: { event: 'review_submitted' },
  steps: [
    {
      id: 'credit',
      type: 'webhook',
      request: { url: 'http://127.0.0.1:9/points', body: { user: '{{user.id}}', points: 500 } },
    },
  ],
});

describe('the gateway API', function () {
  let gateway: RunningGateway;
  let repositories: Repositories;
  const taskQueue = uniqueId('api');

  before(async function () {
    gateway = await startTestGateway(taskQueue);
    repositories = await testRepositories(taskQueue);
  });

  after(async function () {
    await gateway.close();
    await repositories.connection.close();
  });

  describe('authentication', function () {
    it('answers /healthz without a key', async function () {
      const health = await fetch(`${gateway.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', services: { mongodb: 'ok', temporal: 'ok' } });
    });

    it('refuses a missing or wrong key with 401', async function () {
      for (const authorization of [undefined, 'Bearer wrong-key-0000000000', 'Basic abc']) {
        const response = await fetch(`${gateway.url}/v1/campaigns`, {
          headers: authorization ? { authorization } : {},
        });
        assert.equal(response.status, 401);
        const answer = (await response.json()) as { error: { message: string } };
        assert.match(answer.error.message, /Authorization: Bearer/);
      }
    });
  });

  describe('campaigns', function () {
    it('creates a draft, lists it, shows it, activates it', async function () {
      const id = uniqueId('review');
      const created = await api(gateway, 'POST', '/v1/campaigns', validCampaign(id));
      assert.equal(created.status, 201);
      assert.equal(created.body.status, 'draft');
      assert.equal(created.body.definition.steps[0].request.method, 'POST');
      assert.ok((await api(gateway, 'GET', '/v1/campaigns')).body.campaigns.some((c: { id: string }) => c.id === id));
      assert.equal((await api(gateway, 'GET', `/v1/campaigns/${id}`)).body.name, 'Points for a review');
      const activated = await api(gateway, 'POST', `/v1/campaigns/${id}/activate`);
      assert.equal(activated.status, 200);
      assert.equal(activated.body.status, 'active');
    });

    it('answers 409 for an id that exists, leaving the first campaign unchanged', async function () {
      const id = uniqueId('review');
      await api(gateway, 'POST', '/v1/campaigns', validCampaign(id));
      const again = await api(gateway, 'POST', '/v1/campaigns', { ...validCampaign(id), name: 'Other' });
      assert.equal(again.status, 409);
      assert.match(again.body.error.message, /already exists/);
      assert.equal((await api(gateway, 'GET', `/v1/campaigns/${id}`)).body.name, 'Points for a review');
    });

    it('answers 404 for an unknown campaign and route', async function () {
      assert.equal((await api(gateway, 'GET', '/v1/campaigns/nope')).status, 404);
      assert.equal((await api(gateway, 'POST', '/v1/campaigns/nope/activate')).status, 404);
      assert.equal((await api(gateway, 'GET', '/v1/nothing-here')).status, 404);
    });

    const invalid: Array<[string, (c: ReturnType<typeof validCampaign>) => unknown, string, RegExp]> = [
      [
        'a template that does not compile',
        (c) => ({ ...c, steps: [{ ...c.steps[0], request: { ...c.steps[0].request, body: { text: 'Hi {{#if}}' } } }] }),
        'steps.0.request.body.text',
        /template does not compile/,
      ],
      [
        'an unknown helper',
        (c) => ({
          ...c,
          steps: [{ ...c.steps[0], request: { ...c.steps[0].request, url: 'http://x/{{shout user.id}}' } }],
        }),
        'steps.0.request.url',
        /template does not compile/,
      ],
      ['a missing trigger event', (c) => ({ ...c, trigger: {} }), 'trigger.event', /./],
      ['an unknown step type', (c) => ({ ...c, steps: [{ id: 'x', type: 'sms' }] }), 'steps.0.type', /./],
      [
        'a bad duration',
        (c) => ({ ...c, steps: [{ id: 'wait', type: 'delay', duration: '7 days' }] }),
        'steps.0.duration',
        /duration such as 30s/,
      ],
      [
        'an unknown operator',
        (c) => ({ ...c, audience: { field: 'user.properties.tier', op: '$where', value: 'x' } }),
        'audience.op',
        /./,
      ],
      ['an unknown field', (c) => ({ ...c, colour: 'red' }), '(root)', /colour/],
      [
        'a next that names no step',
        (c) => ({ ...c, steps: [{ ...c.steps[0], next: 'nope' }] }),
        'steps.0.next',
        /names step "nope", which does not exist/,
      ],
      [
        'a step that can never be reached',
        (c) => ({ ...c, steps: [{ id: 'stop', type: 'exit' }, c.steps[0]] }),
        'steps.1',
        /can never be reached/,
      ],
      [
        'a loop with no wait in it',
        (c) => ({
          ...c,
          steps: [
            {
              id: 'again',
              type: 'branch',
              cases: [{ when: { field: 'user.properties.vip', op: 'eq', value: true }, next: 'again' }],
            },
            c.steps[0],
          ],
        }),
        'steps.0',
        /loop with no delay or waitForEvent/,
      ],
      [
        'a template reading a step that cannot have run yet',
        (c) => ({
          ...c,
          steps: [
            { ...c.steps[0], request: { url: 'http://127.0.0.1:9/{{steps.later.response.body.id}}' } },
            { ...c.steps[0], id: 'later' },
          ],
        }),
        'steps.0.request.url',
        /reads step "later", which cannot have run before this step/,
      ],
      [
        'a delay with both a duration and a time of day',
        (c) => ({ ...c, steps: [{ id: 'wait', type: 'delay', duration: '1h', until: '09:00' }] }),
        'steps.0',
        /exactly one of duration, until/,
      ],
      [
        'an exit condition on the user',
        (c) => ({ ...c, exitOn: [{ event: 'x', where: { field: 'user.properties.vip', op: 'eq', value: true } }] }),
        'exitOn.0.where',
        /may only read event fields/,
      ],
      [
        'an unknown time zone',
        (c) => ({ ...c, timeZone: { default: 'Mars/Olympus' } }),
        'timeZone.default',
        /IANA time zone/,
      ],
      [
        'a parallel key that is not an event property',
        (c) => ({ ...c, reentry: { mode: 'parallel', key: 'user.id' } }),
        'reentry.key',
        /must be an event property/,
      ],
    ];
    for (const [what, mutate, path, message] of invalid) {
      it(`answers 400 naming ${path} for ${what}, and stores nothing`, async function () {
        const id = uniqueId('bad');
        const response = await api(gateway, 'POST', '/v1/campaigns', mutate(validCampaign(id)));
        assert.equal(response.status, 400);
        const issue = response.body.error.issues.find((i: { path: string }) => i.path === path);
        assert.ok(issue, `expected an issue at ${path}, got ${JSON.stringify(response.body.error.issues)}`);
        assert.match(issue.message, message);
        assert.equal((await api(gateway, 'GET', `/v1/campaigns/${id}`)).status, 404);
      });
    }
  });

  describe('events', function () {
    async function storedEventsOf(userId: string): Promise<number> {
      return repositories.connection.collection('events').countDocuments({ userId });
    }

    it('stores a batch and merges user properties into the profile', async function () {
      const userId = uniqueId('user');
      const response = await api(gateway, 'POST', '/v1/events', {
        events: [
          { userId, name: 'page_viewed', userProperties: { tier: 'gold' } },
          { userId, name: 'page_viewed', userProperties: { city: 'Seoul' } },
        ],
      });
      assert.equal(response.status, 202);
      assert.equal(response.body.accepted, 2);
      assert.equal(await storedEventsOf(userId), 2);
      assert.deepEqual((await repositories.profiles.get(userId))?.properties, { tier: 'gold', city: 'Seoul' });
    });

    const refused: Array<[string, (userId: string) => string, string]> = [
      [
        'user properties without a userId (an entity event)',
        () => '{"name":"x","userProperties":{"tier":"gold"}}',
        'userProperties',
      ],
      [
        'an operator key in properties',
        (u) => `{"userId":"${u}","name":"x","properties":{"$where":"sleep(1)"}}`,
        'properties.$where',
      ],
      [
        'a dotted key in user properties',
        (u) => `{"userId":"${u}","name":"x","userProperties":{"a.b":1}}`,
        'userProperties.a.b',
      ],
      [
        'a prototype key in properties',
        (u) => `{"userId":"${u}","name":"x","properties":{"__proto__":{"admin":true}}}`,
        'properties.__proto__',
      ],
      ['a bad timestamp', (u) => `{"userId":"${u}","name":"x","timestamp":"yesterday"}`, 'timestamp'],
      ['an unknown field', (u) => `{"userId":"${u}","name":"x","colour":"red"}`, '(root)'],
    ];
    for (const [what, body, path] of refused) {
      it(`answers 400 naming ${path} for ${what}, and stores nothing`, async function () {
        const userId = uniqueId('user');
        const response = await api(gateway, 'POST', '/v1/events', body(userId));
        assert.equal(response.status, 400);
        assert.ok(
          response.body.error.issues.some((i: { path: string }) => i.path === path),
          JSON.stringify(response.body.error),
        );
        assert.equal(await storedEventsOf(userId), 0);
        assert.equal(await repositories.profiles.get(userId), null);
      });
    }

    it('refuses a whole batch when one event is wrong, naming its index', async function () {
      const userId = uniqueId('user');
      const response = await api(gateway, 'POST', '/v1/events', {
        events: [
          { userId, name: 'ok' },
          { userId, name: '' },
        ],
      });
      assert.equal(response.status, 400);
      assert.ok(response.body.error.issues.some((i: { path: string }) => i.path === 'events.1.name'));
      assert.equal(await storedEventsOf(userId), 0);
    });

    it('refuses more than 1000 events in a batch', async function () {
      const events = Array.from({ length: 1001 }, () => ({ userId: 'u', name: 'x' }));
      const response = await api(gateway, 'POST', '/v1/events', { events });
      assert.equal(response.status, 400);
      assert.match(response.body.error.message, /at most 1000 events/);
    });

    it('answers 400 for malformed JSON, 415 for another content type, 413 for a body over 1 MB', async function () {
      const malformed = await api(gateway, 'POST', '/v1/events', '{"userId": "u", ');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'invalid_json');
      const text = await api(gateway, 'POST', '/v1/events', 'userId=u', { 'content-type': 'text/plain' });
      assert.equal(text.status, 415);
      const huge = await api(gateway, 'POST', '/v1/events', {
        userId: 'u',
        name: 'x',
        properties: { blob: 'x'.repeat(1_100_000) },
      });
      assert.equal(huge.status, 413);
      assert.match(huge.body.error.message, /larger than the limit/);
    });

    it('answers 400 for a body nested too deeply, and stays up', async function () {
      const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
      const response = await api(gateway, 'POST', '/v1/events', `{"userId":"u","name":"x","properties":${deep}}`);
      assert.equal(response.status, 400);
      assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
    });
  });

  describe('deliveries', function () {
    it('answers 400 naming the query parameter for an unknown status', async function () {
      const response = await api(gateway, 'GET', '/v1/deliveries?status=lost');
      assert.equal(response.status, 400);
      assert.ok(response.body.error.issues.some((i: { path: string }) => i.path === 'status'));
    });
  });
});

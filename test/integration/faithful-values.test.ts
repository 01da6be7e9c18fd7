// Issue #18: any JSON value the API accepts reads back as sent on FerretDB, which refuses arrays
// directly inside arrays and keys with "." or a leading "$" (MongoDB keeps them).
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../src/gateway/start';
import { Receiver } from '../support/receiver';
import { api, eventually, startTestGateway, startWorker, testRepositories, uniqueId } from '../support/stack';
import { MAX_PROPERTY_STRING } from '../../src/domain/event';

const PATH = [
  [126.97, 37.56],
  [127.02, 37.5],
];
/** Values FerretDB 1.24 refuses or could change, each of which must come back exactly. */
const AWKWARD = {
  matrix: [[[1, 2], []], [[3]]],
  marker: { '~array': 2, 0: 'a', 1: 'b' },
  escapes: { '~7E': '~', '~': [['~']] },
  deep: [[{ inner: [[null, true, 'x']] }]],
  big: 9007199254740991,
  tiny: 5e-324,
  long: 'x'.repeat(MAX_PROPERTY_STRING),
};

function visitCampaign(id: string, url: string) {
  return {
    id,
    name: 'Visit',
    trigger: { event: 'visit', where: { field: 'event.properties.path.0.1', op: 'gt', value: 37 } },
    audience: { field: 'user.properties.geo.0.0', op: 'eq', value: 126.9 },
    steps: [
      {
        id: 'notify',
        type: 'webhook',
        request: {
          url,
          body: {
            path: '{{event.properties.path}}',
            lat: '{{event.properties.path.0.1}}',
            geo: '{{user.properties.geo}}',
            awkward: '{{event.properties.awkward}}',
            literal: {
              bbox: [
                [0, 0],
                [1, 1],
              ],
              $schema: 'v1',
              'a.b': 'dotted',
            },
          },
        },
      },
    ],
  };
}

describe('faithful values on FerretDB (issue #18)', function () {
  this.timeout(120_000);
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  const taskQueue = uniqueId('faithful');

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
  });

  it('keeps profile properties whose names start or end with white space, on a new profile and on an update', async function () {
    const userId = uniqueId('u');
    const first = { ' a': 1, 'b ': [2], '\t': { ' c ': 3 }, 'd e': 'four' };
    const later = { ' a': 'one', '\u3000x': true };
    for (const userProperties of [first, later]) {
      const sent = await api(gateway, 'POST', '/v1/events', { userId, name: 'visit', userProperties });
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
    }
    const user = await api(gateway, 'GET', `/v1/users/${userId}`);
    assert.deepStrictEqual(user.body.properties, { ...first, ...later });
  });

  it("stores the issue's event with nested arrays and reads it back identically through the user API", async function () {
    const userId = uniqueId('u');
    const event = {
      id: uniqueId('e1'),
      userId,
      name: 'visit',
      properties: { path: PATH, awkward: AWKWARD },
      userProperties: { geo: [[126.9, 37.5]] },
    };
    const sent = await api(gateway, 'POST', '/v1/events', event);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    // The user view shows an event once it joined the user's history, just after the answer.
    const user = await eventually(async () => {
      const answer = await api(gateway, 'GET', `/v1/users/${userId}`);
      return answer.body.recentEvents?.length > 0 ? answer : undefined;
    });
    assert.equal(user.status, 200);
    assert.deepStrictEqual(user.body.properties, { geo: [[126.9, 37.5]] });
    assert.deepStrictEqual(user.body.recentEvents[0].properties, event.properties);
  });

  it('renders nested values into a webhook body, with conditions and the audience reading items inside them', async function () {
    const campaignId = uniqueId('visit');
    const created = await api(gateway, 'POST', '/v1/campaigns', visitCampaign(campaignId, receiver.url));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepStrictEqual(created.body.definition.steps[0].request.body.literal, {
      bbox: [
        [0, 0],
        [1, 1],
      ],
      $schema: 'v1',
      'a.b': 'dotted',
    });
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
    const userId = uniqueId('u');
    const sent = await api(gateway, 'POST', '/v1/events', {
      id: uniqueId('e'),
      userId,
      name: 'visit',
      properties: { path: PATH, awkward: AWKWARD },
      userProperties: { geo: [[126.9, 37.5]] },
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const request = await eventually(async () =>
      receiver.requests.find((r) => (r.json as { geo?: unknown } | undefined)?.geo !== undefined),
    );
    assert.deepStrictEqual(request.json, {
      path: PATH,
      lat: 37.56,
      geo: [[126.9, 37.5]],
      awkward: AWKWARD,
      literal: {
        bbox: [
          [0, 0],
          [1, 1],
        ],
        $schema: 'v1',
        'a.b': 'dotted',
      },
    });
  });

  it('refuses a batch with an unstorable event before storing any, naming its index and id', async function () {
    const userId = uniqueId('u');
    const events = [
      { id: uniqueId('b1'), userId, name: 'visit', properties: { geo: [[126.9, 37.5]] } },
      { id: uniqueId('b2'), userId, name: 'visit', properties: { 'bad\u0000key': 1 } },
      { id: uniqueId('b3'), userId, name: 'visit' },
    ];
    const refused = await api(gateway, 'POST', '/v1/events', { events });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, new RegExp(`events\\.1 \\(id "${events[1].id}"\\)`));
    assert.match(refused.body.error.message, /must not contain the NUL character/);
    const rest = await api(gateway, 'POST', '/v1/events', { events: [events[0], events[2]] });
    assert.equal(rest.status, 202);
    assert.deepEqual(
      { accepted: rest.body.accepted, duplicates: rest.body.duplicates },
      { accepted: 2, duplicates: 0 },
    );
    assert.deepEqual(rest.body.results, [
      { index: 0, id: events[0].id, status: 'accepted' },
      { index: 1, id: events[2].id, status: 'accepted' },
    ]);
    const again = await api(gateway, 'POST', '/v1/events', { events: [events[0], events[2]] });
    assert.deepEqual(
      again.body.results.map((r: { status: string }) => r.status),
      ['duplicate', 'duplicate'],
    );
  });

  it('reads what an earlier version stored without encoding as it was', async function () {
    const repositories = await testRepositories(taskQueue);
    try {
      const userId = uniqueId('legacy');
      await repositories.connection.collection('profiles').insertOne({
        _id: userId as never,
        properties: { tags: ['a', 'b'], city: 'Seoul' },
        firstSeen: new Date(),
        lastSeen: new Date(),
      });
      assert.deepStrictEqual((await repositories.profiles.get(userId))?.properties, {
        tags: ['a', 'b'],
        city: 'Seoul',
      });
    } finally {
      await repositories.connection.close();
    }
  });
});

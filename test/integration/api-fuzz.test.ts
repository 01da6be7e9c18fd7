// An API fuzzer (issue #18): mutations of valid campaigns, events, segments, destinations, users
// and settings, sent to a real gateway on the real FerretDB. Every answer must be 2xx, or 4xx
// with a message and no change to the database; the gateway must stay healthy. Seeded and
// shrinking: a failure prints the seed and a minimal request. HOOKWAY_FUZZ_RUNS sets how many
// requests (300 by default), HOOKWAY_FUZZ_SEED the seed (fixed by default, so runs repeat).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { Repositories } from '../../src/db/connection';
import type { RunningGateway } from '../../src/gateway/start';
import { api, eventually, startTestGateway, testRepositories, uniqueId } from '../support/stack';

const RUNS = Number(process.env.HOOKWAY_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.HOOKWAY_FUZZ_SEED ?? 18);
const INSERT_ONLY = new Set(['events']);

const hook = 'http://127.0.0.1:9/hook';
const campaign = (id: string) => ({
  id,
  name: 'Fuzz',
  trigger: { event: 'visit', where: { field: 'event.properties.path.0.1', op: 'gt', value: 37 } },
  audience: { all: [{ field: 'user.properties.plan', op: 'in', value: ['pro', 'team'] }, { segment: 'fz-seg' }] },
  steps: [
    { id: 'wait', type: 'delay', duration: '1h' },
    {
      id: 'send',
      type: 'webhook',
      request: {
        url: hook,
        headers: { 'x-user': '{{user.id}}' },
        body: { at: '{{event.properties.path.0}}', list: [[1, 2]] },
      },
    },
  ],
});
const segment = (id: string) => ({
  id,
  name: 'Pro users',
  condition: { field: 'user.properties.plan', op: 'eq', value: 'pro' },
});
const destination = (id: string) => ({
  id,
  name: 'Receiver',
  url: 'http://127.0.0.1:9',
  headers: { 'x-team': 'a' },
  retryDelays: ['1s'],
});
const event = {
  userId: 'fz-user',
  name: 'visit',
  properties: { path: [[126.97, 37.56]], tags: ['a'] },
  userProperties: { plan: 'pro' },
};
const settings = {
  caps: [{ max: 3, window: '24h' }],
  quietHours: { start: '21:00', end: '08:00' },
  timeZone: 'Asia/Seoul',
};

/** Valid requests, each the seed of the mutations. The PUT targets exist before the run. */
const TARGETS = [
  { method: 'POST', path: '/v1/events', body: event },
  { method: 'POST', path: '/v1/events', body: { events: [event, { ...event, id: 'fz-e2', userId: 'fz-other' }] } },
  { method: 'POST', path: '/v1/campaigns', body: campaign('fz-new') },
  { method: 'PUT', path: '/v1/campaigns/fz-camp', body: campaign('fz-camp') },
  { method: 'POST', path: '/v1/segments', body: segment('fz-seg-new') },
  { method: 'PUT', path: '/v1/segments/fz-seg', body: segment('fz-seg') },
  { method: 'POST', path: '/v1/destinations', body: destination('fz-dest-new') },
  { method: 'PUT', path: '/v1/destinations/fz-dest', body: destination('fz-dest') },
  { method: 'POST', path: '/v1/users/fz-user', body: { properties: { plan: 'team', geo: [[1, 2]] } } },
  { method: 'PUT', path: '/v1/settings', body: settings },
] as const;

const awkwardKey = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom(
    '$set',
    '$gt',
    'a.b',
    '~array',
    '~7E',
    '',
    '__proto__',
    'constructor',
    '_id',
    'x\u0000',
    '\udc00',
    'id',
  ),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const awkwardValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    [[1, 2], [3]],
    [[[]]],
    { $gt: 1 },
    { 'a.b': 1 },
    { '~array': 1, 0: 'x' },
    { '': 1 },
    -0,
    1e308,
    2 ** 53 + 2,
    5e-324,
    '',
    ' ',
    'x'.repeat(5000),
    '{{user.id}}',
    '{{event.properties.path.0.1}}',
    '{{constructor}}',
    '{{#each}}',
    'a\u0000b',
    '\ud800',
    '2026-02-30T09:00:00Z',
    '1h',
    '-1s',
    'Asia/Seoul',
    'http://169.254.169.254/',
    null,
    true,
    [],
    {},
  ),
  fc.string({ unit: 'binary', maxLength: 10 }),
);

type Mutation =
  | { kind: 'set'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: awkwardValue }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: awkwardKey, value: awkwardValue }),
);

/** Every node's path in a JSON value, the root first. */
function nodes(value: unknown, path: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [path];
  return [path, ...Object.entries(value).flatMap(([k, v]) => nodes(v, [...path, k]))];
}

function define(target: object, key: string, value: unknown): void {
  if (Array.isArray(target) && /^\d+$/.test(key)) target[Number(key)] = value;
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The body with one mutation applied (on a copy); `at` picks the node, modulo their number. */
function mutate(body: unknown, m: Mutation): unknown {
  const copy: unknown = structuredClone(body);
  const all = nodes(copy);
  const path = all[m.at % all.length];
  if (path.length === 0) return m.kind === 'set' ? m.value : copy;
  const parent = path.slice(0, -1).reduce((node: any, k) => node[k], copy) as Record<string, unknown>;
  const key = path[path.length - 1];
  if (m.kind === 'set') define(parent, key, m.value);
  else if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else {
    const node = parent[key];
    if (Array.isArray(node)) node.push(m.value);
    else if (node !== null && typeof node === 'object') define(node, m.key, m.value);
    else define(parent, key, m.value);
  }
  return copy;
}

const request = fc
  .record({
    target: fc.integer({ min: 0, max: TARGETS.length - 1 }),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  })
  .map(({ target, mutations }) => {
    const { method, path, body } = TARGETS[target];
    return { method, path, body: mutations.reduce(mutate, body as unknown) };
  });

describe('API fuzzer: mutated requests to the real gateway on FerretDB', function () {
  this.timeout(120_000 + RUNS * 2_000);
  const taskQueue = uniqueId('fuzz');
  let gateway: RunningGateway;
  let repositories: Repositories;

  /**
   * A digest of every document the gateway stores; the same digest means nothing changed.
   * Events are only ever inserted, so their count stands for them: hashing every event on each
   * request would make a long run quadratic.
   */
  async function fingerprint(): Promise<string> {
    const db = repositories.connection.db!;
    const hash = createHash('sha256');
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
    for (const name of names) {
      if (INSERT_ONLY.has(name)) {
        hash.update(`${name}:${await db.collection(name).countDocuments()}\n`);
        continue;
      }
      const docs = (await db.collection(name).find().toArray()).map((d) => JSON.stringify(d)).sort();
      hash.update(`${name}:${docs.join('\n')}\n`);
    }
    return hash.digest('hex');
  }

  /**
   * A stored event reaches its user's history just after the answer (the history outbox); the
   * change that makes belongs to the request that stored it, so the next fingerprint waits for it.
   */
  async function historiesFolded(): Promise<void> {
    const outbox = repositories.connection.db!.collection('history_outbox');
    await eventually(async () => ((await outbox.countDocuments()) === 0 ? true : undefined));
  }

  before(async function () {
    gateway = await startTestGateway(taskQueue, { ingestRate: '100000/s' });
    repositories = await testRepositories(taskQueue);
    for (const [path, body] of [
      ['/v1/segments', segment('fz-seg')],
      ['/v1/campaigns', campaign('fz-camp')],
      ['/v1/destinations', destination('fz-dest')],
    ] as const) {
      const created = await api(gateway, 'POST', path, body);
      assert.equal(created.status, 201, `${path}: ${JSON.stringify(created.body)}`);
    }
  });

  after(async function () {
    await repositories?.connection.close();
    await gateway?.close();
  });

  it(`answers ${RUNS} mutated requests with 2xx, or 4xx with a message and nothing stored, and stays healthy`, async function () {
    let before = await fingerprint();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, body }) => {
        const answer = await api(gateway, method, path, JSON.stringify(body));
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status < 300) await historiesFolded();
        const after = await fingerprint();
        const changed = after !== before;
        before = after;
        assert.ok(
          answer.status >= 200 && answer.status < 500,
          `answered ${answer.status}: ${JSON.stringify(answer.body)}`,
        );
        if (answer.status >= 400) {
          assert.equal(typeof answer.body?.error?.message, 'string', `a ${answer.status} without a message`);
          assert.ok(!changed, `answered ${answer.status} (${answer.body.error.message}) yet the database changed`);
        }
      }),
      { numRuns: RUNS, seed: SEED, verbose: 1 },
    );
    assert.equal((await api(gateway, 'GET', '/healthz')).status, 200);
    // The run means something only if mutations reach both outcomes.
    const counts = Object.fromEntries(statuses);
    assert.ok(
      [...statuses.keys()].some((s) => s < 300) && [...statuses.keys()].some((s) => s >= 400),
      JSON.stringify(counts),
    );
  });
});

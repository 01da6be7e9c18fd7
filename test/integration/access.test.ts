// Access control as a customer meets it: admin and ingest keys, revocation seen by every
// gateway at once, per-key ingestion limits, keys kept out of storage and logs, and the
// security headers the dashboard is served with.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Repositories } from '../../src/db/connection';
import type { RunningGateway } from '../../src/gateway/start';
import { createLogger } from '../../src/logger';
import { API_KEY, api, startTestGateway, testRepositories, uniqueId } from '../support/stack';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const event = () => ({ userId: uniqueId('user'), name: 'signed_up' });

describe('access keys', function () {
  const taskQueue = uniqueId('access');
  let gateway: RunningGateway;
  let second: RunningGateway;
  let repositories: Repositories;
  const logLines: string[] = [];
  const createdKeys: string[] = [];

  async function createKey(kind: string, name: string, rateLimit?: string): Promise<{ id: string; key: string }> {
    const created = await api(gateway, 'POST', '/v1/keys', { kind, name, ...(rateLimit && { rateLimit }) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    createdKeys.push(created.body.key);
    return created.body;
  }

  /** For the answer's headers, which api() does not return. */
  const postEventRaw = (key: string) =>
    fetch(`${gateway.url}/v1/events`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify(event()),
    });

  before(async function () {
    // Every line the gateway logs, at its most talkative, is kept to look for keys in.
    const capture = new Writable({ write: (chunk, _enc, done) => void (logLines.push(String(chunk)), done()) });
    gateway = await startTestGateway(taskQueue, {
      ingestRate: '3/m',
      logger: createLogger('trace', 'gateway', capture),
    });
    second = await startTestGateway(taskQueue);
    repositories = await testRepositories(taskQueue);
  });

  after(async function () {
    await gateway?.close();
    await second?.close();
    await repositories?.connection.close();
  });

  it('refuses a request without a key, with a malformed header or with an unknown key: 401', async function () {
    for (const headers of [{}, { authorization: 'Basic abc' }, bearer('hk_admin_not-a-real-key-000000000000')]) {
      const response = await fetch(`${gateway.url}/v1/campaigns`, { headers });
      assert.equal(response.status, 401);
      const answer = (await response.json()) as { error: { message: string } };
      assert.match(answer.error.message, /Authorization: Bearer <key>/);
    }
  });

  it('creates a key that is shown once, listed without its secret and stored only as a digest', async function () {
    const { id, key } = await createKey('ingest', 'checkout service');
    assert.match(key, /^hk_ingest_[A-Za-z0-9_-]{43}$/);
    assert.match(id, /^key_/);

    const listed = await api(gateway, 'GET', '/v1/keys');
    assert.equal(listed.status, 200);
    const shown = listed.body.keys.find((k: { id: string }) => k.id === id);
    assert.deepEqual(
      { kind: shown.kind, name: shown.name, hint: shown.hint },
      { kind: 'ingest', name: 'checkout service', hint: `${key.slice(0, 14)}…` },
    );
    assert.ok(!JSON.stringify(listed.body).includes(key.slice(14)), 'the list shows a secret');

    const stored = await repositories.connection.db!.collection('access_keys').findOne({ _id: id as never });
    assert.ok(stored);
    assert.equal(stored.digest, createHash('sha256').update(key).digest('hex'));
    assert.ok(!JSON.stringify(stored).includes(key.slice(14)), 'the key is stored in plain text');
  });

  it('lets an ingest key post events, alone and in batches, and nothing else: 403 naming the kind needed', async function () {
    const { key } = await createKey('ingest', 'mobile app', '100/s');
    assert.equal((await api(gateway, 'POST', '/v1/events', event(), bearer(key))).status, 202);
    assert.equal((await api(gateway, 'POST', '/v1/events', { events: [event(), event()] }, bearer(key))).status, 202);
    for (const [method, path, body] of [
      ['GET', '/v1/campaigns'],
      ['POST', '/v1/campaigns', { id: 'x' }],
      ['GET', '/v1/deliveries'],
      ['GET', '/v1/destinations'],
      ['GET', '/v1/keys'],
      ['POST', '/v1/keys', { kind: 'admin', name: 'escalation' }],
      ['DELETE', '/v1/keys/key_0000'],
    ] as Array<[string, string, unknown?]>) {
      const answer = await api(gateway, method, path, body, bearer(key));
      assert.equal(answer.status, 403, `${method} ${path}`);
      assert.match(
        answer.body.error.message,
        new RegExp(`an ingest key may only post events; ${method} ${path} needs an admin key`),
      );
    }
    const keys = await api(gateway, 'GET', '/v1/keys');
    assert.ok(!keys.body.keys.some((k: { name: string }) => k.name === 'escalation'));
  });

  it('lets a created admin key manage and read everything, including keys', async function () {
    const { key } = await createKey('admin', 'ops team');
    assert.equal((await api(gateway, 'GET', '/v1/campaigns', undefined, bearer(key))).status, 200);
    assert.equal((await api(gateway, 'GET', '/v1/deliveries', undefined, bearer(key))).status, 200);
    assert.equal((await api(gateway, 'POST', '/v1/events', event(), bearer(key))).status, 202);
    const made = await api(gateway, 'POST', '/v1/keys', { kind: 'ingest', name: 'made by ops' }, bearer(key));
    assert.equal(made.status, 201);
    createdKeys.push(made.body.key);
  });

  it('refuses a revoked key at once, on every gateway', async function () {
    const { id, key } = await createKey('ingest', 'to revoke', '100/s');
    assert.equal((await api(gateway, 'POST', '/v1/events', event(), bearer(key))).status, 202);
    assert.equal((await api(second, 'POST', '/v1/events', event(), bearer(key))).status, 202);

    const revoked = await api(second, 'DELETE', `/v1/keys/${id}`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revokedAt);

    for (const g of [gateway, second]) {
      const refused = await api(g, 'POST', '/v1/events', event(), bearer(key));
      assert.equal(refused.status, 401);
      assert.match(refused.body.error.message, /unknown or revoked/);
    }
    const listed = (await api(gateway, 'GET', '/v1/keys')).body.keys.find((k: { id: string }) => k.id === id);
    assert.equal(listed.revokedAt, revoked.body.revokedAt);
  });

  it('answers 404 for revoking a key that does not exist and 400 naming an invalid id', async function () {
    const missing = await api(gateway, 'DELETE', '/v1/keys/key_doesnotexist');
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /key_doesnotexist/);
    const invalid = await api(gateway, 'DELETE', '/v1/keys/not-a-key');
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.error.message, /key id/);
  });

  it('refuses an invalid key request with a 400 naming the field', async function () {
    const cases: Array<[unknown, RegExp]> = [
      [{ kind: 'root', name: 'x' }, /kind: must be one of admin, ingest/],
      [{ kind: 'ingest' }, /name: /],
      [{ kind: 'ingest', name: 'x', rateLimit: 'fast' }, /rateLimit: must be a rate such as 100\/s/],
      [{ kind: 'ingest', name: 'x', secret: 'mine' }, /secret/],
    ];
    for (const [body, message] of cases) {
      const answer = await api(gateway, 'POST', '/v1/keys', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.body.error.message, message);
    }
  });

  it('limits ingestion per key: 429 with Retry-After once a key exceeds its rate, while another key is still served', async function () {
    const noisy = await createKey('ingest', 'noisy client');
    const quiet = await createKey('ingest', 'quiet client');
    for (let i = 0; i < 3; i++)
      assert.equal((await api(gateway, 'POST', '/v1/events', event(), bearer(noisy.key))).status, 202);

    const limited = await postEventRaw(noisy.key);
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 20, `Retry-After: ${retryAfter}`);
    const answer = (await limited.json()) as { error: { code: string; message: string } };
    assert.equal(answer.error.code, 'rate_limited');
    assert.match(
      answer.error.message,
      new RegExp(`${noisy.id} sent more than its rate of 3/m events; retry in ${retryAfter}s$`),
    );

    assert.equal((await api(gateway, 'POST', '/v1/events', event(), bearer(quiet.key))).status, 202);
  });

  it("limits ingestion at a key's own rate over the default, and does not limit the bootstrap key", async function () {
    const slow = await createKey('ingest', 'hourly batch', '1/h');
    assert.equal((await api(gateway, 'POST', '/v1/events', event(), bearer(slow.key))).status, 202);
    const limited = await postEventRaw(slow.key);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 3000);

    for (let i = 0; i < 6; i++)
      assert.equal((await api(gateway, 'POST', '/v1/events', event(), bearer(API_KEY))).status, 202);
  });

  it('never writes a key to the log', function () {
    assert.ok(createdKeys.length >= 5);
    const log = logLines.join('');
    for (const key of [API_KEY, ...createdKeys]) assert.ok(!log.includes(key), 'a key was logged');
  });
});

describe('security headers', function () {
  let gateway: RunningGateway;

  before(async function () {
    gateway = await startTestGateway(uniqueId('headers'));
  });

  after(async function () {
    await gateway?.close();
  });

  it('sends a same-origin content security policy and the usual hardening headers on every answer', async function () {
    for (const path of ['/healthz', '/v1/campaigns', '/dashboard']) {
      const response = await fetch(`${gateway.url}${path}`, { headers: bearer(API_KEY) });
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /object-src 'none'/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https:|\*/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN', path);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
      assert.match(response.headers.get('strict-transport-security') ?? '', /max-age=\d+/, path);
      assert.equal(response.headers.get('x-powered-by'), null, path);
    }
  });
});

// Every request of the bad-input corpus against a real gateway: the exact 4xx, a message that
// names the field and the problem, nothing stored or changed, and the gateway still healthy.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { Repositories } from '../../src/db/connection';
import type { RunningGateway } from '../../src/gateway/start';
import { BAD_INPUTS, SEED_CAMPAIGN, SEED_DESTINATION, validCampaign, type BadInput } from '../fixtures/bad-input';
import { API_KEY, api, startTestGateway, testRepositories, uniqueId } from '../support/stack';

/** Every document of every collection, as text. */
async function snapshot(repositories: Repositories): Promise<string> {
  const db = repositories.connection.db!;
  const collections = (await db.listCollections().toArray()).map((c) => c.name).sort();
  const contents = await Promise.all(
    collections.map(async (name) => [name, await db.collection(name).find().sort({ _id: 1 }).toArray()]),
  );
  return JSON.stringify(contents);
}

async function send(gateway: RunningGateway, input: BadInput, ingestKey: string) {
  const text = input.raw ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
  const body = text !== undefined && input.gzip ? gzipSync(text) : text;
  const contentType = input.contentType ?? (body === undefined ? undefined : 'application/json');
  const contentEncoding = input.gzip ? 'gzip' : input.contentEncoding;
  const response = await fetch(`${gateway.url}${input.path}`, {
    method: input.method,
    headers: {
      authorization: `Bearer ${input.ingestKey ? ingestKey : API_KEY}`,
      ...(contentType && { 'content-type': contentType }),
      ...(contentEncoding && { 'content-encoding': contentEncoding }),
    },
    body,
  });
  const answer = await response.text();
  let parsed: { error?: { message?: string } } | undefined;
  try {
    parsed = JSON.parse(answer);
  } catch {
    assert.fail(`the answer is not JSON: ${response.status} ${answer.slice(0, 200)}`);
  }
  return { status: response.status, message: parsed?.error?.message ?? '' };
}

describe('the bad-input corpus', function () {
  this.timeout(60_000);
  let gateway: RunningGateway;
  let repositories: Repositories;
  let ingestKey: string;
  const taskQueue = uniqueId('bad-input');

  before(async function () {
    gateway = await startTestGateway(taskQueue);
    repositories = await testRepositories(taskQueue);
    const seeded = [
      await api(gateway, 'POST', '/v1/campaigns', validCampaign({ id: SEED_CAMPAIGN })),
      await api(gateway, 'POST', '/v1/destinations', {
        id: SEED_DESTINATION,
        name: 'Corpus',
        url: 'https://example.com/hooks',
      }),
      await api(gateway, 'POST', '/v1/keys', { kind: 'ingest', name: 'corpus client' }),
    ];
    for (const answer of seeded) assert.equal(answer.status, 201, JSON.stringify(answer.body));
    ingestKey = seeded[2].body.key;
  });

  after(async function () {
    await gateway?.close();
    await repositories?.connection.close();
  });

  for (const input of BAD_INPUTS) {
    it(`${input.method} ${input.path.slice(0, 60)}: ${input.name} → ${input.status}`, async function () {
      const unchanged = await snapshot(repositories);
      const answer = await send(gateway, input, ingestKey);
      assert.equal(answer.status, input.status, `answered ${answer.status}: ${answer.message.slice(0, 300)}`);
      assert.match(answer.message, input.message);
      assert.ok((await snapshot(repositories)) === unchanged, 'the database changed');
      const health = await fetch(`${gateway.url}/healthz`);
      assert.equal(health.status, 200, 'the gateway is not healthy any more');
    });
  }
});

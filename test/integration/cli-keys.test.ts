// `hookway keys …` as an operator runs it: a subprocess against the real gateway.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { RunningGateway } from '../../src/gateway/start';
import { API_KEY, api, startTestGateway, uniqueId } from '../support/stack';

const CLI = path.join(__dirname, '../../src/cli/main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('hookway keys', function () {
  this.timeout(60_000);
  let gateway: RunningGateway;

  const hookway = (...args: string[]) => hookwayAs(API_KEY, ...args);

  function hookwayAs(apiKey: string, ...args: string[]): Promise<Run> {
    const env = { ...process.env, HOOKWAY_URL: gateway.url, HOOKWAY_API_KEY: apiKey };
    return new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env, timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }

  const sendEvent = (key: string) =>
    api(gateway, 'POST', '/v1/events', { userId: 'u-1', name: 'signed_up' }, { authorization: `Bearer ${key}` });

  before(async function () {
    gateway = await startTestGateway(uniqueId('cli-keys'));
  });

  after(async function () {
    await gateway?.close();
  });

  it('explains itself with --help', async function () {
    const help = await hookway('keys', 'create', '--help');
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: hookway keys create/);
    assert.match(help.stdout, /--kind <kind> +admin or ingest: ingest keys may only post events/);
  });

  it('creates an ingest key, prints it once, lists it by its hint and revokes it', async function () {
    const created = await hookway('keys', 'create', '--kind', 'ingest', '--name', 'checkout service', '--rate', '50/s');
    assert.equal(created.code, 0, created.stderr);
    const [, id] = /created ingest key (key_\S+) \(checkout service\)/.exec(created.stdout) ?? [];
    assert.ok(id, created.stdout);
    const key = created.stdout.trim().split('\n').at(-1)!;
    assert.match(key, /^hk_ingest_/);
    assert.equal((await sendEvent(key)).status, 202);

    const listed = await hookway('keys', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    const row = listed.stdout.split('\n').find((line) => line.startsWith(id));
    assert.ok(row, listed.stdout);
    assert.match(row, /ingest\s+checkout service\s+hk_ingest_\S{4}…\s+50\/s/);
    assert.ok(!listed.stdout.includes(key.slice(14)), 'the list printed a secret');

    const revoked = await hookway('keys', 'revoke', id);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`revoked ${id} \\(checkout service\\) at \\d{4}-`));
    assert.equal((await sendEvent(key)).status, 401);
  });

  it('prints one JSON document with --json, the key included only when created', async function () {
    const created = await hookway('keys', 'create', '--kind', 'admin', '--name', 'ops', '--json');
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { id: string; kind: string; key: string };
    assert.equal(key.kind, 'admin');
    assert.match(key.key, /^hk_admin_/);

    const listed = await hookway('keys', 'list', '--json');
    const { keys } = JSON.parse(listed.stdout) as { keys: Array<Record<string, unknown>> };
    const shown = keys.find((k) => k.id === key.id);
    assert.ok(shown);
    assert.equal(shown.key, undefined);
  });

  it("refuses a wrong kind or rate before calling the gateway, and an unknown key id with the gateway's message", async function () {
    const kind = await hookway('keys', 'create', '--kind', 'root', '--name', 'x');
    assert.notEqual(kind.code, 0);
    assert.match(kind.stderr, /--kind <kind>' argument 'root' is invalid\. must be one of admin, ingest/);
    const rate = await hookway('keys', 'create', '--kind', 'ingest', '--name', 'x', '--rate', 'lots');
    assert.notEqual(rate.code, 0);
    assert.match(rate.stderr, /must be a rate such as 100\/s/);
    const unknown = await hookway('keys', 'revoke', 'key_nosuchkey');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /^error: access key "key_nosuchkey" does not exist/);
  });

  it('tells an operator using an ingest key that the command needs an admin key', async function () {
    const created = await api(gateway, 'POST', '/v1/keys', { kind: 'ingest', name: 'not an operator' });
    const run = await hookwayAs(created.body.key, 'keys', 'list');
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /an ingest key may only post events; GET \/v1\/keys needs an admin key/);
  });
});

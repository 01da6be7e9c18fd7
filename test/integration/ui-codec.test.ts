// The Web UI that `npm start` runs shows journeys decoded: it is given a codec path holding a
// secret made for this start, which decodes a real journey's payloads without an admin key,
// only for the UI's origin, and appears in no log. A wrong secret finds nothing; the admin
// codec endpoint (`temporal workflow show --codec-endpoint`) still takes the admin key.
import { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/embedded/free-port';
import { requireTool } from '../../src/embedded/tools';
import { launchChromium } from '../support/browser';
import { readable, startPhoneJourney } from '../support/codec-journey';
import { Receiver } from '../support/receiver';
import { API_KEY, eventually, mongoUriFor, uniqueId } from '../support/stack';

const MAIN = path.join(__dirname, '../../src/main.js');
const run = promisify(execFile);

type JsonPayload = { metadata: Record<string, string>; data: string };
const base64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
const text = (payloads: JsonPayload[]) => payloads.map((p) => Buffer.from(p.data, 'base64').toString()).join('\n');

/** Every file under `dir`, read as text. */
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.sqlite'))
    .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'latin1'))
    .join('\n');
}

describe('the embedded Web UI decodes journeys', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-ui-codec-'));
  const taskQueue = uniqueId('uicodec');
  let main: ReturnType<typeof spawn>;
  let output = '';
  let receiver: Receiver;
  let raw: Client;
  const ports = { gateway: 0, temporal: 0, ui: 0 };
  const gateway = { url: '' };

  before(async function () {
    receiver = await Receiver.start();
    [ports.gateway, ports.temporal, ports.ui] = [await freePort(), await freePort(), await freePort()];
    gateway.url = `http://127.0.0.1:${ports.gateway}`;
    const env = {
      ...process.env,
      MONGODB_URI: mongoUriFor(taskQueue),
      TEMPORAL_ADDRESS: '',
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      TEMPORAL_TASK_QUEUE: taskQueue,
      HOOKWAY_API_KEY: API_KEY,
      HOOKWAY_DATA_DIR: dir,
      HOOKWAY_ALLOWED_CIDRS: '127.0.0.0/8',
      PORT: String(ports.gateway),
      HOST: '127.0.0.1',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'debug',
    };
    main = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    main.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    main.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(async () => (output.includes('Hookway is running.') ? true : undefined), 240_000);
    raw = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${ports.temporal}` }) });
  });

  after(async function () {
    await raw?.connection.close();
    if (main && main.exitCode === null) {
      const exited = new Promise((resolve) => main.once('exit', resolve));
      main.kill('SIGINT');
      await exited;
    }
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the UI a codec path that decodes a journey for its origin only, and logs no secret', async function () {
    const { workflowId, phone } = await startPhoneJourney(gateway, `${receiver.url}/hook`);
    await receiver.waitFor(1, 60_000);

    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
    const payloads: JsonPayload[] = input.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, base64(v)])),
      data: base64(p.data),
    }));
    assert.ok(!text(payloads).includes(phone), 'the history holds the phone number in clear text');

    // What the Web UI's browser code is told to call.
    const settings = (await (await fetch(`http://127.0.0.1:${ports.ui}/api/v1/settings`)).json()) as {
      Codec: { Endpoint: string };
    };
    const endpoint = settings.Codec.Endpoint;
    assert.match(endpoint, new RegExp(`^${gateway.url}/codec/ui/[A-Za-z0-9_-]{43}$`));
    const uiOrigin = `http://127.0.0.1:${ports.ui}`;
    const decode = (url: string, origin?: string) =>
      fetch(`${url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...(origin && { origin }) },
        body: JSON.stringify({ payloads }),
      });

    const preflight = await fetch(`${endpoint}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: uiOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), uiOrigin);
    const decoded = await decode(endpoint, uiOrigin);
    assert.equal(decoded.status, 200);
    assert.equal(decoded.headers.get('access-control-allow-origin'), uiOrigin);
    assert.ok(text(((await decoded.json()) as { payloads: JsonPayload[] }).payloads).includes(phone));

    assert.equal((await decode(endpoint, 'http://evil.example')).status, 403);
    const wrong = `${gateway.url}/codec/ui/${'A'.repeat(43)}`;
    assert.equal((await decode(wrong, uiOrigin)).status, 404);
    assert.equal((await decode(`${gateway.url}/codec`, uiOrigin)).status, 401, 'the admin endpoint wants a key');

    const shown = await run(requireTool('temporal'), [
      ...['workflow', 'show', '--address', `127.0.0.1:${ports.temporal}`, '-w', workflowId, '-o', 'json'],
      ...['--codec-endpoint', `${gateway.url}/codec`, '--codec-auth', `Bearer ${API_KEY}`],
    ]);
    assert.ok(readable(shown.stdout).includes(phone), 'the admin codec endpoint does not decode the history');

    const secret = endpoint.split('/').pop()!;
    assert.ok(!output.includes(secret), 'npm start printed or logged the secret');
    assert.ok(!allText(dir).includes(secret), 'a file in the data folder holds the secret');
  });

  it('shows the decoded input in the real Web UI', async function () {
    // The campaign's name travels only inside the encrypted workflow input, which it leads.
    const name = uniqueId('Shown decoded');
    const { workflowId } = await startPhoneJourney(gateway, `${receiver.url}/hook`, name);
    // The raw service: the SDK's describe() would decode the encrypted memo.
    const describe = () =>
      raw.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
    const started = await eventually(() => describe().catch(() => undefined), 60_000);
    const runId = started.workflowExecutionInfo!.execution!.runId!;

    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(
        `http://127.0.0.1:${ports.ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/history`,
      );
      const shown = `"name": "${name}"`;
      await page.waitForFunction((value) => document.body.innerText.includes(value), shown, { timeout: 60_000 });
    } finally {
      await browser.close();
    }
  });
});

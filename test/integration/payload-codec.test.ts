// Personal data stays out of Temporal in clear text: a journey's history (whose input holds the
// trigger event), read the way anyone with the Web UI or the Temporal CLI reads it, holds no
// property value; through the gateway's
// codec endpoint (the real `temporal` CLI with --codec-endpoint) an operator sees it decoded.
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from '../../src/embedded/tools';
import type { RunningGateway } from '../../src/gateway/start';
import { readable, startPhoneJourney } from '../support/codec-journey';
import { Receiver } from '../support/receiver';
import { API_KEY, api, startTestGateway, startWorker, stack, testCodec, uniqueId } from '../support/stack';

const run = promisify(execFile);

describe('payload encryption', function () {
  this.timeout(120_000);
  const taskQueue = uniqueId('codec');
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let receiver: Receiver;
  let raw: Client;

  const show = (workflowId: string, ...extra: string[]) =>
    run(
      requireTool('temporal'),
      [
        'workflow',
        'show',
        '--address',
        stack().temporalAddress,
        '--namespace',
        'default',
        '-w',
        workflowId,
        '-o',
        'json',
        ...extra,
      ],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    ).then((r) => r.stdout);

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    // A client without the codec: what Temporal itself stores and shows.
    raw = new Client({ connection: await Connection.connect({ address: stack().temporalAddress }) });
  });

  after(async function () {
    await raw?.connection.close();
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
  });

  it('keeps profile values out of the history and shows them through the codec endpoint', async function () {
    const { workflowId, phone } = await startPhoneJourney(gateway, `${receiver.url}/hook`);
    const [request] = await receiver.waitFor(1);
    assert.deepEqual(request.json, { phone });

    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const stored = readable(
      JSON.stringify(history, (_key, value) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
      ),
    );
    assert.ok(
      stored.includes('binary/encrypted') || stored.includes('YmluYXJ5L2VuY3J5cHRlZA'),
      'the payloads carry the codec marker',
    );
    assert.ok(!stored.includes(phone), 'the phone number is in the history in clear text');
    assert.ok(
      !readable(await show(workflowId)).includes(phone),
      'temporal workflow show prints the phone number without the codec',
    );

    const decoded = await show(
      workflowId,
      '--codec-endpoint',
      `${gateway.url}/codec`,
      '--codec-auth',
      `Bearer ${API_KEY}`,
    );
    assert.ok(readable(decoded).includes(phone), 'the codec endpoint does not decode the history');
    // An encrypted history replays with the codec, as `hookway replay` runs it.
    await Worker.runReplayHistory(
      { workflowBundle: stack().workflowBundle, dataConverter: { payloadCodecs: [testCodec()] } },
      history,
      workflowId,
    );
  });

  it('serves the codec to admin keys only, and answers the Web UI origin with CORS', async function () {
    const payloads = {
      payloads: [
        {
          metadata: { encoding: Buffer.from('json/plain').toString('base64') },
          data: Buffer.from('"hello"').toString('base64'),
        },
      ],
    };
    const post = (path: string, body: unknown, key?: string) =>
      fetch(`${gateway.url}/codec/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
        body: JSON.stringify(body),
      });
    assert.equal((await post('decode', payloads)).status, 401);
    const ingest = await api(gateway, 'POST', '/v1/keys', { kind: 'ingest', name: 'codec probe' });
    assert.equal((await post('decode', payloads, ingest.body.key)).status, 403);

    const encoded = (await (await post('encode', payloads, API_KEY)).json()) as typeof payloads;
    assert.equal(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString(), 'binary/encrypted');
    assert.ok(!Buffer.from(encoded.payloads[0].data, 'base64').toString('latin1').includes('hello'));
    const decoded = (await (await post('decode', encoded, API_KEY)).json()) as typeof payloads;
    assert.deepEqual(decoded, payloads);

    const tampered = structuredClone(encoded);
    tampered.payloads[0].data = Buffer.from('x'.repeat(40)).toString('base64');
    const refused = await post('decode', tampered, API_KEY);
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /^payloads: cannot decode/);

    const preflight = await fetch(`${gateway.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:8233',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8233');
    const stranger = await fetch(`${gateway.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
  });
});

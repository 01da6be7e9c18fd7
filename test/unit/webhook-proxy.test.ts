// HOOKWAY_WEBHOOK_PROXY: webhooks go through the configured proxy, but the SSRF guard still
// decides where. The target is resolved and checked first, the proxy is asked to CONNECT to the
// checked address (not the name), and Host / TLS server name stay the target's name. A refused
// target never reaches the proxy. A real CONNECT proxy and real receivers on loopback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AddressPolicy } from '../../src/delivery/address-guard';
import { WebhookSender, type SendContext } from '../../src/delivery/sender';
import { ConnectProxy } from '../support/connect-proxy';
import { Receiver } from '../support/receiver';

const context: SendContext = { webhookId: 'msg_proxy', secrets: [], timeoutMs: 10_000 };
/** Loopback stands in for the public internet here; the proxy's own address needs no allowing. */
const PUBLIC_LOOPBACK = new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.1/32'] });
const DEFAULT_POLICY = new AddressPolicy({ allowPrivate: false, allowedCidrs: [] });

/** An HTTPS server with a self-signed certificate for localhost, recording the TLS server names it is asked for. */
function tlsReceiver(serverNames: string[]): Promise<https.Server> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-tls-'));
  try {
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
        ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert],
      ],
      { stdio: 'ignore' },
    );
    const server = https.createServer(
      {
        key: readFileSync(key),
        cert: readFileSync(cert),
        SNICallback: (name, done) => {
          serverNames.push(name);
          done(null);
        },
      },
      (_req, res) => res.end('ok'),
    );
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('WebhookSender through HOOKWAY_WEBHOOK_PROXY', function () {
  let proxy: ConnectProxy;
  let receiver: Receiver;

  beforeEach(async function () {
    proxy = await ConnectProxy.start();
    receiver = await Receiver.start();
  });

  afterEach(async function () {
    await proxy.close();
    await receiver.close();
  });

  it('tunnels an allowed target through the proxy to the checked address, keeping its Host', async function () {
    const port = new URL(receiver.url).port;
    const sender = new WebhookSender(PUBLIC_LOOPBACK, proxy.url);
    const outcome = await sender.send(
      { method: 'POST', url: `http://localhost:${port}/hook?a=1`, headers: {}, body: '{"x":1}' },
      context,
    );
    assert.equal(outcome.kind === 'response' && outcome.status, 200, JSON.stringify(outcome));
    assert.deepEqual(proxy.targets, [`127.0.0.1:${port}`], 'the proxy was not asked for the checked address');
    const [request] = receiver.requests;
    assert.deepEqual([request.path, request.headers.host, request.body], ['/hook?a=1', `localhost:${port}`, '{"x":1}']);
  });

  it('refuses a private target before contacting the proxy', async function () {
    const port = new URL(receiver.url).port;
    const sender = new WebhookSender(DEFAULT_POLICY, proxy.url);
    for (const url of [`http://localhost:${port}/admin`, 'http://10.0.0.7/admin', 'https://[::ffff:127.0.0.1]/']) {
      const outcome = await sender.send({ method: 'GET', url, headers: {} }, context);
      assert.equal(
        outcome.kind === 'error' && outcome.errorClass,
        'address_refused',
        `${url}: ${JSON.stringify(outcome)}`,
      );
    }
    assert.equal(proxy.connections, 0, 'the proxy was contacted');
    assert.equal(receiver.requests.length, 0);
  });

  it('keeps the TLS server name and certificate check for the name of an https target', async function () {
    const serverNames: string[] = [];
    const server = await tlsReceiver(serverNames);
    try {
      const { port } = server.address() as AddressInfo;
      const sender = new WebhookSender(PUBLIC_LOOPBACK, proxy.url);
      const outcome = await sender.send({ method: 'GET', url: `https://localhost:${port}/`, headers: {} }, context);
      assert.deepEqual(proxy.targets, [`127.0.0.1:${port}`]);
      assert.deepEqual(serverNames, ['localhost']);
      // The certificate is self-signed: verified against the name, and refused.
      assert.match(outcome.kind === 'error' ? outcome.message : '', /self-signed certificate/, JSON.stringify(outcome));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('treats a proxy refusing the tunnel as a connection failure, not as the receiver answering', async function () {
    const refusing = http.createServer();
    refusing.on('connect', (_req, socket: import('node:net').Socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = refusing.address() as AddressInfo;
      const sender = new WebhookSender(PUBLIC_LOOPBACK, `http://127.0.0.1:${port}`);
      const outcome = await sender.send({ method: 'GET', url: `${receiver.url}/hook`, headers: {} }, context);
      assert.equal(outcome.kind === 'error' && outcome.errorClass, 'connection', JSON.stringify(outcome));
      assert.match(outcome.kind === 'error' ? outcome.message : '', /proxy refused to connect .* \(status 403\)/);
    } finally {
      refusing.closeAllConnections();
      await new Promise((resolve) => refusing.close(resolve));
    }
  });
});

// The webhook sender against real servers on loopback: an environment proxy must not carry a
// webhook past the SSRF guard, and an attempt's timeout is a deadline for the whole exchange.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressPolicy } from '../../src/delivery/address-guard';
import { WebhookSender, type SendContext } from '../../src/delivery/sender';

function listen(server: http.Server, host: string): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`)),
  );
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const context = (timeoutMs: number, extra: Partial<SendContext> = {}): SendContext => ({
  webhookId: 'msg_test',
  secrets: [],
  timeoutMs,
  ...extra,
});

describe('WebhookSender and an environment proxy', function () {
  const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];
  const saved = new Map(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  let received: string[] = [];
  let proxied: string[] = [];
  const receiver = http.createServer((req, res) => {
    received.push(req.url!);
    res.end('internal data');
  });
  // A forward proxy: it gets the absolute URL and fetches it, wherever it points.
  const proxy = http.createServer((req, res) => {
    proxied.push(req.url!);
    http
      .get(req.url!, (upstream) => {
        res.writeHead(upstream.statusCode!, upstream.headers);
        upstream.pipe(res);
      })
      .on('error', () => res.writeHead(502).end());
  });
  let receiverPort: number;

  before(async function () {
    receiverPort = Number(new URL(await listen(receiver, '127.0.0.1')).port);
    // The proxy sits on an address the policy allows, as a corporate proxy would.
    const proxyUrl = await listen(proxy, '127.0.0.2');
    for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) process.env[name] = proxyUrl;
    for (const name of ['NO_PROXY', 'no_proxy']) delete process.env[name];
  });

  after(async function () {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await Promise.all([close(receiver), close(proxy)]);
  });

  beforeEach(() => {
    received = [];
    proxied = [];
  });

  it('refuses a loopback target even though the proxy address is allowed', async function () {
    const sender = new WebhookSender(new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.2/32'] }));
    const outcome = await sender.send(
      { method: 'GET', url: `http://localhost:${receiverPort}/admin`, headers: {} },
      context(5_000),
    );
    assert.equal(outcome.kind, 'error', `the target was reached: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.kind === 'error' && outcome.errorClass, 'address_refused');
    assert.deepEqual({ received, proxied }, { received: [], proxied: [] });
  });

  it('connects to an allowed target directly, not through the proxy', async function () {
    const sender = new WebhookSender(new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] }));
    const outcome = await sender.send(
      { method: 'GET', url: `http://127.0.0.1:${receiverPort}/hook`, headers: {} },
      context(5_000),
    );
    assert.equal(outcome.kind === 'response' && outcome.status, 200);
    assert.deepEqual({ received, proxied }, { received: ['/hook'], proxied: [] });
  });
});

describe('WebhookSender deadline', function () {
  const DRIP_BYTES = 12;
  let closedEarly: Array<() => void> = [];
  // Sends its answer one byte every 500 ms: never idle for long, slow in total.
  const dripping = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(DRIP_BYTES) });
    let sent = 0;
    const timer = setInterval(() => {
      res.write('x');
      if (++sent === DRIP_BYTES) {
        clearInterval(timer);
        res.end();
      }
    }, 500);
    res.on('close', () => {
      clearInterval(timer);
      if (sent < DRIP_BYTES) closedEarly.forEach((notify) => notify());
    });
  });
  let url: string;
  const sender = new WebhookSender(new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] }));

  before(async function () {
    url = await listen(dripping, '127.0.0.1');
  });

  after(() => close(dripping));

  it('ends a dripping answer at the timeout as a timeout, not a response', async function () {
    const outcome = await sender.send({ method: 'GET', url, headers: {} }, context(1_000));
    assert.deepEqual(outcome.kind === 'error' ? [outcome.errorClass, outcome.message] : outcome, [
      'timeout',
      'no answer within 1000 ms',
    ]);
  });

  it("aborts the request when the caller's signal is cancelled, and throws its reason", async function () {
    const cancellation = new AbortController();
    const connectionClosed = new Promise<void>((resolve) => closedEarly.push(resolve));
    const answering = once(dripping, 'request');
    const sending = sender.send(
      { method: 'GET', url, headers: {} },
      context(60_000, { cancelled: cancellation.signal }),
    );
    await answering;
    cancellation.abort(new Error('activity cancelled'));
    await assert.rejects(sending, /activity cancelled/);
    await connectionClosed;
    closedEarly = [];
  });
});

// What one client can cost the gateway: its ingest rate counts events (and bytes), not requests;
// guessing keys is slowed down; a connection that drips its headers is closed; connections past
// the cap are refused at once.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { RunningGateway } from '../../src/gateway/start';
import { API_KEY, api, startTestGateway, uniqueId } from '../support/stack';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const event = (properties: Record<string, unknown> = {}) => ({ userId: uniqueId('user'), name: 'viewed', properties });

function connect(gateway: RunningGateway): Promise<net.Socket> {
  const { hostname, port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** What the server sent before it closed the connection. */
function untilClosed(socket: net.Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk) => (received += String(chunk)));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('close', () => resolve(received)));
}

/** A health check on a raw connection: the answer's first bytes, or '' if the server closed it unanswered. */
function healthOn(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.on('error', () => undefined);
    socket.once('data', (chunk) => resolve(String(chunk)));
    socket.once('close', () => resolve(''));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

describe('gateway limits', function () {
  this.timeout(45_000);
  const taskQueue = uniqueId('limits');
  let gateway: RunningGateway;

  async function ingestKey(rateLimit: string): Promise<string> {
    const created = await api(gateway, 'POST', '/v1/keys', { kind: 'ingest', name: uniqueId('client'), rateLimit });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.key;
  }

  before(async function () {
    gateway = await startTestGateway(taskQueue, { maxConnections: 4 });
  });

  after(async function () {
    await gateway?.close();
  });

  it('charges the ingest rate per event in a batch', async function () {
    const key = await ingestKey('10/m');
    const batch = await api(
      gateway,
      'POST',
      '/v1/events',
      { events: Array.from({ length: 10 }, () => event()) },
      bearer(key),
    );
    assert.equal(batch.status, 202, JSON.stringify(batch.body));
    const next = await api(gateway, 'POST', '/v1/events', event(), bearer(key));
    assert.equal(next.status, 429, JSON.stringify(next.body));
    assert.match(next.body.error.message, /sent more than its rate of 10\/m events/);
    assert.ok(Number(next.headers.get('retry-after')) > 0);
  });

  it('charges a large body by its bytes', async function () {
    const key = await ingestKey('10/m');
    // About 100 KB, each string within the 16 KiB a property may hold.
    const text = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`text${i}`, 'x'.repeat(15_000)]));
    const big = await api(gateway, 'POST', '/v1/events', event(text), bearer(key));
    assert.equal(big.status, 202, JSON.stringify(big.body));
    const next = await api(gateway, 'POST', '/v1/events', event(), bearer(key));
    assert.equal(next.status, 429, JSON.stringify(next.body));
  });

  it('slows down an address that keeps sending unknown keys, and only the look-ups', async function () {
    const guess = () => api(gateway, 'GET', '/v1/campaigns', undefined, bearer(`hk_admin_${uniqueId('guess')}`));
    const answers: number[] = [];
    // The bucket refills while the guesses go out, so a few more than its 30 may pass.
    while (answers.length < 60 && answers.at(-1) !== 429) answers.push((await guess()).status);
    assert.equal(answers.at(-1), 429, `never limited: ${answers.join(' ')}`);
    assert.ok(
      answers.slice(0, 30).every((status) => status === 401),
      answers.join(' '),
    );
    const limited = await guess();
    assert.equal(limited.status, 429, JSON.stringify(limited.body));
    assert.match(limited.body.error.message, /too many unknown or revoked keys/);
    assert.equal((await api(gateway, 'GET', '/v1/campaigns', undefined, bearer(API_KEY))).status, 200);
  });

  it('closes a connection whose headers never end', async function () {
    const socket = await connect(gateway);
    const closed = untilClosed(socket);
    socket.write('POST /v1/events HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const received = await closed;
    assert.ok(received === '' || received.startsWith('HTTP/1.1 408'), received);
  });

  it('refuses connections past the cap at once and serves again when they go', async function () {
    // Connections of earlier tests may still count: open until one is refused.
    const served: net.Socket[] = [];
    let refused = false;
    while (!refused && served.length <= 8) {
      const socket = await connect(gateway);
      const answer = await healthOn(socket);
      if (answer.startsWith('HTTP/1.1 200')) served.push(socket);
      else refused = answer === '';
    }
    assert.ok(refused, `${served.length} connections served, none refused`);
    assert.ok(served.length <= 4, `${served.length} connections served past the cap of 4`);
    for (const socket of served) socket.destroy();
    // The server counts a connection as gone once it has seen it close.
    for (;;) {
      const answer = await healthOn(await connect(gateway));
      if (answer.startsWith('HTTP/1.1 200')) break;
    }
  });
});

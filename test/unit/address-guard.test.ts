import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { AddressPolicy, AddressRefusedError, checkLiteralHost, guardedLookup } from '../../src/delivery/address-guard';

const strict = new AddressPolicy({ allowPrivate: false, allowedCidrs: [] });

describe('AddressPolicy', () => {
  const refused: Array<[ip: string, reason: RegExp]> = [
    ['127.0.0.1', /^127\.0\.0\.1 is a loopback address$/],
    ['10.0.0.1', /private/],
    ['169.254.169.254', /link-local/],
    ['100.64.1.1', /carrier-grade NAT/],
    ['192.168.1.1', /private/],
    ['172.16.0.1', /private/],
    ['0.0.0.0', /"this network"/],
    ['255.255.255.255', /broadcast/],
    ['::1', /^::1 is a loopback address$/],
    ['::', /unspecified/],
    ['fd00:ec2::254', /unique-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /^::ffff:127\.0\.0\.1 embeds 127\.0\.0\.1, which is a loopback address$/],
    ['::ffff:7f00:1', /embeds 127\.0\.0\.1, which is a loopback/],
    ['64:ff9b::a00:1', /embeds 10\.0\.0\.1, which is a private/],
    ['64:ff9b::169.254.169.254', /embeds 169\.254\.169\.254/],
    ['64:ff9b:1::a00:1', /local-use NAT64/],
    ['64:ff9b:1:ffff::5db8:d822', /local-use NAT64/],
    ['2002:7f00:1::', /^2002:7f00:1:: embeds 127\.0\.0\.1, which is a loopback address$/],
    ['2002:a9fe:a9fe::1', /embeds 169\.254\.169\.254, which is a link-local/],
    ['2002:c0a8:101:1::1', /embeds 192\.168\.1\.1, which is a private/],
    ['::ffff:0:7f00:1', /embeds 127\.0\.0\.1, which is a loopback/],
    ['::ffff:0:10.1.2.3', /embeds 10\.1\.2\.3, which is a private/],
    ['::127.0.0.1', /embeds 127\.0\.0\.1, which is a loopback/],
    ['::a9fe:a9fe', /embeds 169\.254\.169\.254/],
    ['localhost', /not an IP address/],
  ];
  for (const [ip, reason] of refused) {
    it(`refuses ${ip}`, () => assert.match(strict.refusalReason(ip) ?? 'allowed', reason));
  }

  for (const ip of [
    '93.184.216.34',
    '2606:4700::1111',
    '::ffff:93.184.216.34',
    '64:ff9b::5db8:d822',
    '172.32.0.1',
    '2002:5db8:d822::1',
    '::ffff:0:5db8:d822',
  ]) {
    it(`allows public address ${ip}`, () => assert.equal(strict.refusalReason(ip), undefined));
  }

  it('allows everything when private addresses are allowed', () => {
    const open = new AddressPolicy({ allowPrivate: true, allowedCidrs: [] });
    for (const [ip] of refused.filter(([ip]) => ip !== 'localhost'))
      assert.equal(open.refusalReason(ip), undefined, ip);
  });

  it('allows only the listed ranges', () => {
    const policy = new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.1/32', 'fd00::/8'] });
    assert.equal(policy.refusalReason('127.0.0.1'), undefined);
    assert.equal(policy.refusalReason('::ffff:127.0.0.1'), undefined);
    assert.equal(policy.refusalReason('fd00:ec2::254'), undefined);
    assert.match(policy.refusalReason('127.0.0.2') ?? 'allowed', /loopback/);
    assert.match(policy.refusalReason('10.0.0.1') ?? 'allowed', /private/);
    assert.match(policy.refusalReason('::1') ?? 'allowed', /loopback/);
  });

  for (const bad of ['10.0.0.0', '10.0.0.0/33', '::1/129', 'example.com/8', '10.0.0/8', '']) {
    it(`rejects the allowed CIDR "${bad}" by name`, () => {
      assert.throws(
        () => new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.1/32', bad] }),
        (err: Error) => err.message.includes(`"${bad}"`),
      );
    });
  }
});

describe('guardedLookup', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;

  before(async () => {
    server = http.createServer((_req, res) => {
      hits += 1;
      res.end('reached');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // A fresh agent per request: Node 20's global agent keeps sockets alive and a
  // reused socket never calls lookup, which would let one test pass on another's connection.
  const get = (policy: AddressPolicy) =>
    axios.get<string>(`http://localhost:${port}/`, {
      lookup: guardedLookup(policy),
      proxy: false,
      httpAgent: new http.Agent(),
    });

  it('stops an axios request to a host that resolves to loopback before it connects', async () => {
    const before = hits;
    await assert.rejects(get(strict), (err: Error & { cause?: unknown }) => {
      assert.ok(err.cause instanceof AddressRefusedError, `unexpected error ${err}`);
      assert.match(err.cause.reason, /loopback address \(resolved from localhost\)$/);
      assert.match(err.message, /Refused to connect/);
      return true;
    });
    assert.equal(hits, before, 'the server was reached');
  });

  it('lets the request through when the resolved range is allowed', async () => {
    const policy = new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.0/8', '::1/128'] });
    const response = await get(policy);
    assert.equal(response.data, 'reached');
  });

  it('answers in both shapes Node may ask for', async () => {
    const lookup = guardedLookup(new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.0/8', '::1/128'] }));
    const all = await new Promise<unknown>((resolve, reject) =>
      lookup('localhost', { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
    );
    assert.ok(Array.isArray(all) && all.length > 0 && all.every((a) => typeof a.address === 'string'));
    const single = await new Promise<[unknown, unknown]>((resolve, reject) =>
      lookup('localhost', { family: 4 }, (err, address, family) => (err ? reject(err) : resolve([address, family]))),
    );
    assert.deepEqual(single, ['127.0.0.1', 4]);
  });

  it('passes DNS failures through unchanged', async () => {
    await assert.rejects(
      axios.get('http://does-not-exist.invalid/', { lookup: guardedLookup(strict), proxy: false }),
      // EAI_AGAIN where the sandbox has no resolver at all.
      (err: Error & { code?: string; cause?: unknown }) =>
        !(err.cause instanceof AddressRefusedError) && ['ENOTFOUND', 'EAI_AGAIN'].includes(err.code ?? ''),
    );
  });
});

describe('checkLiteralHost', () => {
  it('refuses private IP literals, which Node connects to without a lookup', () => {
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::1]:3000/',
      'http://2130706433/',
    ]) {
      assert.throws(
        () => checkLiteralHost(new URL(url), strict),
        (err: unknown) => err instanceof AddressRefusedError && /loopback/.test(err.reason),
        url,
      );
    }
  });

  it('leaves public literals and host names alone', () => {
    for (const url of ['https://93.184.216.34/hook', 'https://[2606:4700::1111]/', 'http://localhost/']) {
      assert.doesNotThrow(() => checkLiteralHost(new URL(url), strict), url);
    }
  });
});

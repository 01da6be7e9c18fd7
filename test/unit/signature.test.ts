import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signatureHeader, signPayload } from '../../src/delivery/signature';
import { generateSecret, maskSecret, secretProblem } from '../../src/domain/signing-secret';
import { verifyWebhook, WebhookVerificationError } from '../../src/verify-webhook';

// Written from the spec text, independently of src: the signed content is
// "<id>.<timestamp>.<body>", the key is the base64 after "whsec_", and the
// header holds space-separated "v1,<base64 HMAC-SHA256>" entries.
function specAccepts(header: string, secret: string, id: string, timestamp: number, body: string): boolean {
  const key = Buffer.from(secret.split('_')[1], 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return header.split(' ').some((entry) => entry === `v1,${expected}`);
}

const ID = 'msg_2mQ7h1';
const NOW = 1_760_000_000;
const BODY = '{"event":"signup","user":{"id":42}}';

function signedRequest(secrets: string[], body = BODY, timestamp = NOW) {
  return {
    'webhook-id': ID,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, ID, timestamp, body),
  };
}

describe('webhook signatures', () => {
  const secret = generateSecret();
  const nextSecret = generateSecret();

  it('reproduces the Standard Webhooks published test vector', () => {
    const vector = {
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
    };
    const signature = signPayload(vector.secret, vector.id, vector.timestamp, vector.body);
    assert.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    assert.ok(specAccepts(signature, vector.secret, vector.id, vector.timestamp, vector.body));
  });

  it('produces a header that a verifier written from the spec accepts, for each rotation secret', () => {
    const header = signatureHeader([secret, nextSecret], ID, NOW, BODY);
    assert.equal(header.split(' ').length, 2);
    assert.ok(specAccepts(header, secret, ID, NOW, BODY));
    assert.ok(specAccepts(header, nextSecret, ID, NOW, BODY));
    assert.ok(!specAccepts(header, generateSecret(), ID, NOW, BODY));
    assert.ok(!specAccepts(header, secret, ID, NOW + 1, BODY));
  });

  it('refuses to sign with a malformed secret or a fractional timestamp', () => {
    assert.throws(() => signPayload('whsec_short', ID, NOW, BODY), /must be "whsec_" followed by base64/);
    assert.throws(() => signPayload(secret, ID, NOW + 0.5, BODY), /whole seconds/);
    assert.throws(() => signatureHeader([], ID, NOW, BODY), /At least one webhook secret/);
  });

  describe('secrets', () => {
    it('generates distinct secrets of 32 random bytes that pass validation', () => {
      assert.equal(secretProblem(secret), undefined);
      assert.notEqual(secret, nextSecret);
      assert.match(secret, /^whsec_/);
      assert.equal(Buffer.from(secret.slice('whsec_'.length), 'base64').length, 32);
    });

    it('accepts keys of 24 and 64 bytes', () => {
      for (const bytes of [24, 64]) {
        assert.equal(secretProblem(`whsec_${Buffer.alloc(bytes, 7).toString('base64')}`), undefined);
      }
    });

    it('explains what is wrong with a bad secret', () => {
      const bad = [
        Buffer.alloc(32, 1).toString('base64'), // no prefix
        `whsec_${Buffer.alloc(23, 1).toString('base64')}`, // too short
        `whsec_${Buffer.alloc(65, 1).toString('base64')}`, // too long
        `whsec_${Buffer.alloc(32, 1).toString('base64').replace('A', '!')}`, // not base64
        `whsec_${Buffer.alloc(33, 0xfb).toString('base64url')}`, // base64url, not standard
        'whsec_',
      ];
      for (const candidate of bad) {
        assert.equal(
          secretProblem(candidate),
          'must be "whsec_" followed by base64 of 24 to 64 bytes',
          `accepted ${candidate}`,
        );
      }
    });

    it('masks a secret down to its first four key characters', () => {
      for (const s of [secret, nextSecret, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']) {
        assert.equal(maskSecret(s), `whsec_${s.slice(6, 10)}…`);
      }
      assert.equal(maskSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), 'MfKQ…');
    });
  });

  describe('verifyWebhook', () => {
    it('accepts a valid request and returns its id and timestamp', () => {
      const result = verifyWebhook({ secret, headers: signedRequest([secret]), body: BODY, nowSeconds: NOW + 10 });
      assert.deepEqual(result, { id: ID, timestamp: NOW });
    });

    it('accepts the raw body as bytes', () => {
      const headers = signedRequest([secret]);
      assert.deepEqual(verifyWebhook({ secret, headers, body: Buffer.from(BODY), nowSeconds: NOW }), {
        id: ID,
        timestamp: NOW,
      });
    });

    it('accepts a request signed during rotation with either secret', () => {
      const headers = signedRequest([secret, nextSecret]);
      for (const s of [secret, nextSecret]) {
        assert.equal(verifyWebhook({ secret: s, headers, body: BODY, nowSeconds: NOW }).id, ID);
      }
    });

    it('accepts the published vector with the spec-standard header names', () => {
      const result = verifyWebhook({
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        headers: {
          'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
          'webhook-timestamp': '1614265330',
          'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
        },
        body: '{"test": 2432232314}',
        nowSeconds: 1614265330,
      });
      assert.deepEqual(result, { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330 });
    });

    const rejects = (run: () => unknown, message: RegExp) =>
      assert.throws(run, (err: unknown) => err instanceof WebhookVerificationError && message.test(err.message));

    it('rejects a tampered body', () => {
      const headers = signedRequest([secret]);
      rejects(
        () => verifyWebhook({ secret, headers, body: BODY.replace('42', '43'), nowSeconds: NOW }),
        /No matching signature/,
      );
    });

    it('rejects a signature made with another secret', () => {
      const headers = signedRequest([nextSecret]);
      rejects(() => verifyWebhook({ secret, headers, body: BODY, nowSeconds: NOW }), /No matching signature/);
    });

    it('rejects a request whose id was changed after signing', () => {
      const headers = { ...signedRequest([secret]), 'webhook-id': 'msg_other' };
      rejects(() => verifyWebhook({ secret, headers, body: BODY, nowSeconds: NOW }), /No matching signature/);
    });

    it('rejects timestamps outside the tolerance, in either direction', () => {
      const headers = signedRequest([secret]);
      assert.equal(verifyWebhook({ secret, headers, body: BODY, nowSeconds: NOW + 300 }).timestamp, NOW);
      rejects(() => verifyWebhook({ secret, headers, body: BODY, nowSeconds: NOW + 301 }), /too old: sent 301s ago/);
      rejects(() => verifyWebhook({ secret, headers, body: BODY, nowSeconds: NOW - 301 }), /too far in the future/);
      rejects(
        () => verifyWebhook({ secret, headers, body: BODY, nowSeconds: NOW + 61, toleranceSeconds: 60 }),
        /too old/,
      );
    });

    it('rejects a request missing any of the three headers', () => {
      for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        const headers: Record<string, string | undefined> = { ...signedRequest([secret]), [name]: undefined };
        rejects(
          () => verifyWebhook({ secret, headers, body: BODY, nowSeconds: NOW }),
          new RegExp(`Missing ${name} header`),
        );
      }
    });

    it('rejects a timestamp that is not whole seconds', () => {
      const headers = { ...signedRequest([secret]), 'webhook-timestamp': `${NOW}.5` };
      rejects(() => verifyWebhook({ secret, headers, body: BODY, nowSeconds: NOW }), /not a Unix time/);
    });
  });
});

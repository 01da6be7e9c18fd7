import { createHmac, timingSafeEqual } from 'node:crypto';

// Verifies a webhook sent by Hookway (Standard Webhooks format). Deliberately
// self-contained so a receiver can copy this one file into their own service.

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifyWebhookOptions {
  /** The endpoint's secret as Hookway shows it ("whsec_..."). */
  secret: string;
  /** Request headers with lower-case names, e.g. Node's `req.headers`. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body exactly as received; re-serialised JSON will not verify. */
  body: string | Uint8Array;
  toleranceSeconds?: number;
  nowSeconds?: number;
}

export function verifyWebhook({
  secret,
  headers,
  body,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
}: VerifyWebhookOptions): { id: string; timestamp: number } {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  if (key.length === 0) throw new TypeError('verifyWebhook needs the endpoint secret ("whsec_...")');

  const id = header(headers, 'webhook-id');
  const rawTimestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');

  if (!/^\d+$/.test(rawTimestamp)) {
    throw new WebhookVerificationError('webhook-timestamp header is not a Unix time in seconds');
  }
  const timestamp = Number(rawTimestamp);
  // The timestamp is signed too, so this window is what stops a captured request being replayed later.
  if (nowSeconds - timestamp > toleranceSeconds) {
    throw new WebhookVerificationError(
      `Webhook timestamp is too old: sent ${nowSeconds - timestamp}s ago, tolerance is ${toleranceSeconds}s`,
    );
  }
  if (timestamp - nowSeconds > toleranceSeconds) {
    throw new WebhookVerificationError(
      `Webhook timestamp is too far in the future: ${timestamp - nowSeconds}s ahead, tolerance is ${toleranceSeconds}s`,
    );
  }

  const expected = Buffer.from(
    createHmac('sha256', key).update(`${id}.${rawTimestamp}.`).update(body).digest('base64'),
  );
  // Several signatures are present while the sender rotates its secret; any one may match.
  const matches = signatures.split(' ').some((entry) => {
    if (!entry.startsWith('v1,')) return false;
    const candidate = Buffer.from(entry.slice('v1,'.length));
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  if (!matches) {
    throw new WebhookVerificationError(
      'No matching signature: the body, id or timestamp was altered, or the secret is wrong',
    );
  }
  return { id, timestamp };
}

function header(headers: VerifyWebhookOptions['headers'], name: string): string {
  const value = headers[name];
  // Frameworks hand a repeated header over as an array; joined, it can still only verify if signed as such.
  const text = Array.isArray(value) ? value.join(' ') : value;
  if (!text) throw new WebhookVerificationError(`Missing ${name} header`);
  return text;
}

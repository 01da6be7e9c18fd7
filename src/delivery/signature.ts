import { createHmac } from 'node:crypto';
import { SECRET_PREFIX as PREFIX } from '../domain/signing-secret';

// Signatures follow the Standard Webhooks spec (https://www.standardwebhooks.com)
// so receivers can verify with any of its libraries, not only ours.

// Buffer.from(_, 'base64') silently skips bad characters; a typo in a secret
// must be an error rather than a different key.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** Why `secret` cannot be used for signing, or undefined when it can. */
export function secretProblem(secret: string): string | undefined {
  const key = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : undefined;
  const bytes = key !== undefined && STRICT_BASE64.test(key) ? Buffer.from(key, 'base64').length : 0;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    return `must be "${PREFIX}" followed by base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`;
  }
  return undefined;
}

export function signPayload(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  const problem = secretProblem(secret);
  if (problem) throw new Error(`Webhook secret ${problem}`);
  if (!Number.isSafeInteger(timestampSeconds)) {
    throw new Error(`Webhook timestamp must be whole seconds, got ${timestampSeconds}`);
  }
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  const mac = createHmac('sha256', key).update(`${webhookId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` value; during a key rotation both secrets sign, so either verifies. */
export function signatureHeader(secrets: string[], webhookId: string, timestampSeconds: number, body: string): string {
  if (secrets.length === 0) throw new Error('At least one webhook secret is needed to sign');
  return secrets.map((secret) => signPayload(secret, webhookId, timestampSeconds, body)).join(' ');
}

/** Enough to tell secrets apart in logs and the API without disclosing them. */
export function maskSecret(secret: string): string {
  const hasPrefix = secret.startsWith(PREFIX);
  const key = hasPrefix ? secret.slice(PREFIX.length) : secret;
  return `${hasPrefix ? PREFIX : ''}${key.slice(0, 4)}…`;
}

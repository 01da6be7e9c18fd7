// The form of a destination's signing secret (Standard Webhooks: "whsec_" and base64 of 24 to
// 64 bytes): made by the destinations store, checked by the destination schema, used by the
// signer in src/delivery/signature.ts.
import { randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
// Buffer.from(_, 'base64') silently skips bad characters; a typo in a secret
// must be an error rather than a different key.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** Why `secret` cannot be used for signing, or undefined when it can. */
export function secretProblem(secret: string): string | undefined {
  const key = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : undefined;
  const bytes = key !== undefined && STRICT_BASE64.test(key) ? Buffer.from(key, 'base64').length : 0;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    return `must be "${SECRET_PREFIX}" followed by base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`;
  }
  return undefined;
}

/** Enough to tell secrets apart in logs and the API without disclosing them. */
export function maskSecret(secret: string): string {
  const hasPrefix = secret.startsWith(SECRET_PREFIX);
  const key = hasPrefix ? secret.slice(SECRET_PREFIX.length) : secret;
  return `${hasPrefix ? SECRET_PREFIX : ''}${key.slice(0, 4)}…`;
}

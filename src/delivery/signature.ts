import { createHmac } from 'node:crypto';
import { SECRET_PREFIX, secretProblem } from '../domain/signing-secret';

// Signatures follow the Standard Webhooks spec (https://www.standardwebhooks.com)
// so receivers can verify with any of its libraries, not only ours.

export function signPayload(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  const problem = secretProblem(secret);
  if (problem) throw new Error(`Webhook secret ${problem}`);
  if (!Number.isSafeInteger(timestampSeconds)) {
    throw new Error(`Webhook timestamp must be whole seconds, got ${timestampSeconds}`);
  }
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const mac = createHmac('sha256', key).update(`${webhookId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` value; during a key rotation both secrets sign, so either verifies. */
export function signatureHeader(secrets: string[], webhookId: string, timestampSeconds: number, body: string): string {
  if (secrets.length === 0) throw new Error('At least one webhook secret is needed to sign');
  return secrets.map((secret) => signPayload(secret, webhookId, timestampSeconds, body)).join(' ');
}

// The form of a destination's signing secret (Standard Webhooks: "whsec_" and base64), shared
// by the destinations store, which makes new ones, and the signer, which checks and uses them.
import { randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

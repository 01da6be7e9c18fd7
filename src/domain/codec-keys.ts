// The keys that encrypt Temporal payloads. Written `id:base64` (32 random bytes), several
// separated by commas or new lines: the first encrypts, every one decrypts, so a key is
// rotated by putting a new one first and keeping the old ones until no history needs them.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

export interface CodecKey {
  id: string;
  secret: Buffer;
}

const KEY_BYTES = 32;

const codecKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9+/]+={0,2}$/, 'must be "id:secret", the secret in base64')
  .transform((text): CodecKey => {
    const [id, secret] = text.split(':');
    return { id, secret: Buffer.from(secret, 'base64') };
  })
  .refine(
    (key) => key.secret.length === KEY_BYTES,
    `the secret must be ${KEY_BYTES} bytes (openssl rand -base64 ${KEY_BYTES})`,
  );

export const codecKeysSchema = z
  .string()
  .transform((text) => text.split(/[\s,]+/).filter(Boolean))
  .pipe(z.array(codecKeySchema).min(1, 'must hold at least one key'))
  .refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, 'must not use a key id twice');

export function formatCodecKeys(keys: CodecKey[]): string {
  return keys.map((k) => `${k.id}:${k.secret.toString('base64')}`).join(',');
}

export function generateCodecKey(now = new Date()): CodecKey {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `k${day}-${randomBytes(3).toString('hex')}`, secret: randomBytes(KEY_BYTES) };
}

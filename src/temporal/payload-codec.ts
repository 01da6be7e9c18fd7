// Encrypts every payload Hookway hands Temporal (workflow inputs, activity results, signals,
// memos): campaigns, events and profiles hold personal data and sometimes secrets, and a
// Temporal history is readable by anyone with its Web UI or CLI. AES-256-GCM, one random IV per
// payload, the key id in the metadata so that rotated keys still decrypt what they wrote.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKey } from '../domain/codec-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  /** The first key encrypts; all of them decrypt. */
  constructor(private readonly keys: CodecKey[]) {
    if (keys.length === 0) throw new Error('the payload codec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.secret]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, secret } = this.keys[0];
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, secret, iv).setAAD(Buffer.from(id));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID]: Buffer.from(id) },
        data: Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]),
      };
    });
  }

  /** Payloads written before the codec carry no marker and pass through, so old histories still replay. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID]) ?? '';
      const secret = this.byId.get(id);
      if (!secret)
        throw new Error(`a payload is encrypted with codec key "${id}", which is not configured (HOOKWAY_CODEC_KEYS)`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv(CIPHER, secret, data.subarray(0, IV_BYTES)).setAAD(Buffer.from(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

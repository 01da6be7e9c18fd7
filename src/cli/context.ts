// What every command needs: the global options, and the gateway and Temporal clients,
// created only when a command uses them and closed when it ends.
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { connectClient } from '../temporal/connect';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../temporal/payload-codec';
import { resolveCliApiKey, resolveCliCodecKeys } from './api-key';
import { CliError } from './errors';
import { GatewayClient } from './gateway';

/**
 * Without the codec keys a history's encrypted payloads cannot be read; the SDK would say only
 * "Unknown encoding", so say which setting is missing. Nothing the CLI sends needs encrypting.
 */
const WITHOUT_KEYS: PayloadCodec = {
  encode: async (payloads) => payloads,
  decode: async (payloads) => {
    const encrypted = payloads.some(
      (p) => Buffer.from(p.metadata?.encoding ?? []).toString('utf8') === ENCRYPTED_ENCODING,
    );
    if (encrypted)
      throw new CliError(
        "the journeys' payloads are encrypted and no codec keys are at hand: set HOOKWAY_CODEC_KEYS as the workers " +
          'have it, or run where <data dir>/codec-keys exists (HOOKWAY_DATA_DIR)',
      );
    return payloads;
  },
};

export const DEFAULT_URL = 'http://127.0.0.1:3000';
export const DEFAULT_TEMPORAL = '127.0.0.1:7233';

export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  temporal?: string;
  namespace?: string;
  json?: boolean;
}

export class CliContext {
  private gatewayClient?: GatewayClient;
  private temporalClient?: Promise<Client>;

  constructor(readonly options: GlobalOptions) {}

  /** Empty environment variables count as unset, as in the server's configuration. */
  get url(): string {
    return this.options.url || DEFAULT_URL;
  }

  get temporalAddress(): string {
    return this.options.temporal || DEFAULT_TEMPORAL;
  }

  get namespace(): string {
    return this.options.namespace || 'default';
  }

  get json(): boolean {
    return Boolean(this.options.json);
  }

  gateway(): GatewayClient {
    this.gatewayClient ??= new GatewayClient(this.url, resolveCliApiKey(this.options.apiKey));
    return this.gatewayClient;
  }

  /** Decrypts the payloads of histories, when the codec keys are at hand. */
  codec(): PayloadCodec {
    const keys = resolveCliCodecKeys();
    return keys ? new EncryptionCodec(keys) : WITHOUT_KEYS;
  }

  temporal(): Promise<Client> {
    this.temporalClient ??= connectClient(this.temporalAddress, this.namespace, this.codec()).catch((err: Error) => {
      throw new CliError(
        `cannot reach Temporal at ${this.temporalAddress}: ${err.message} (set --temporal or TEMPORAL_ADDRESS)`,
      );
    });
    return this.temporalClient;
  }

  async close(): Promise<void> {
    const client = await this.temporalClient?.catch(() => undefined);
    await client?.connection.close();
  }
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { codecKeysSchema, type CodecKey } from '../domain/codec-keys';
import { CliError } from './errors';

/** A secret `npm start` keeps in the data folder, or undefined when there is none. */
function keptSecret(name: string, env: NodeJS.ProcessEnv): { file: string; text?: string } {
  const file = path.join(env.HOOKWAY_DATA_DIR || '.data', name);
  try {
    return { file, text: readFileSync(file, 'utf8').trim() || undefined };
  } catch {
    return { file };
  }
}

/**
 * The key given on the command line or in HOOKWAY_API_KEY, else the one `npm start` keeps in
 * <data dir>/api-key. Unlike the server, the CLI never generates a key: a new one would not
 * match the gateway's.
 */
export function resolveCliApiKey(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (given) return given;
  const { file, text } = keptSecret('api-key', env);
  if (text) return text;
  throw new CliError(`no API key: pass --api-key, set HOOKWAY_API_KEY, or run where ${file} exists`);
}

/**
 * The keys that decrypt Temporal payloads: HOOKWAY_CODEC_KEYS, else <data dir>/codec-keys.
 * Without them, commands that read histories see encrypted payloads and say so.
 */
export function resolveCliCodecKeys(env: NodeJS.ProcessEnv = process.env): CodecKey[] | undefined {
  const { file, text } = env.HOOKWAY_CODEC_KEYS
    ? { file: 'HOOKWAY_CODEC_KEYS', text: env.HOOKWAY_CODEC_KEYS }
    : keptSecret('codec-keys', env);
  if (!text) return undefined;
  const parsed = codecKeysSchema.safeParse(text);
  if (!parsed.success) throw new CliError(`${file}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

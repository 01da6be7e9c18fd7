import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './errors';

/**
 * The key given on the command line or in HOOKWAY_API_KEY, else the one `npm start` keeps in
 * <data dir>/api-key. Unlike the server, the CLI never generates a key: a new one would not
 * match the gateway's.
 */
export function resolveCliApiKey(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (given) return given;
  const file = path.join(env.HOOKWAY_DATA_DIR || '.data', 'api-key');
  try {
    const key = readFileSync(file, 'utf8').trim();
    if (key) return key;
  } catch {
    // fall through to the explanation below
  }
  throw new CliError(`no API key: pass --api-key, set HOOKWAY_API_KEY, or run where ${file} exists`);
}

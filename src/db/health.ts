// Whether the database answers a query, for /healthz, the worker's /healthz and `npm start`'s
// supervisor. `ping` is not enough: a FerretDB whose SQLite pool has every connection held by
// open result sets answers `ping` from memory in milliseconds while every query waits for a
// connection (docs/reliability.md). So the probe reads one small document by `_id`, with a deadline.
import type { Db } from 'mongodb';
import { SETTINGS_COLLECTION, SETTINGS_ID } from './settings';

/** Long enough for a loaded machine's slowest healthy read, short enough for a 5 s health check. */
export const DATABASE_PROBE_TIMEOUT_MS = 3_000;

/**
 * Resolves once the settings document (or its absence) is read; rejects on an error or after
 * `timeoutMs`. maxTimeMS makes the server give up too, so a wedged database does not keep a
 * client connection per probe.
 */
export async function probeDatabase(db: Db, timeoutMs = DATABASE_PROBE_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to a read within ${timeoutMs} ms`)), timeoutMs);
  });
  const read = db
    .collection<{ _id: string }>(SETTINGS_COLLECTION)
    .findOne({ _id: SETTINGS_ID }, { maxTimeMS: timeoutMs });
  try {
    await Promise.race([read, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The database's line in a /healthz answer. */
export function databaseState(db: Db): Promise<'ok' | 'down'> {
  return probeDatabase(db).then(
    () => 'ok' as const,
    () => 'down' as const,
  );
}

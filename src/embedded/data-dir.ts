// The data folder holds the API and codec keys, FerretDB's SQLite files (destination tokens,
// signing secrets, profiles) and Temporal's: only the user running Hookway may read it.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Makes folders before this release made with the default modes private too. */
function tighten(dir: string): void {
  chmodSync(dir, PRIVATE_DIR);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) tighten(full);
    else if (entry.isFile() && (lstatSync(full).mode & 0o077) !== 0) chmodSync(full, PRIVATE_FILE);
  }
}

/**
 * Creates the data folder private to its owner, tightens what an earlier run left, and sets
 * this process's umask so that every file it and the servers it starts create is private too.
 */
export function secureDataDir(dir: string): void {
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  tighten(dir);
}

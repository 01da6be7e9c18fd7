// Apart from connection.ts, which builds every repository: the repositories need this and
// importing it from there would tie each of them in a circle with it.

/** MongoDB and FerretDB both report a duplicate key as code 11000 (FerretDB without keyValue). */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

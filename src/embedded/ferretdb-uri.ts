// How Hookway's processes reach the FerretDB that `npm start` (and the benchmark and tests) run.

/**
 * FerretDB 1.24's SQLite backend opens at most 100 connections per database, and an update or
 * findAndModify of an existing document holds two at once: its query's result set stays open
 * while the write's transaction takes a second. With 100 or more such commands in flight, each
 * can hold its first connection while waiting for a second that none will free, and FerretDB
 * then answers `ping` and nothing else, for good (docs/reliability.md, reproduced with 200
 * concurrent updates). The driver sends at most maxPoolSize commands at once per process, so
 * the gateway, the worker and the supervisor's watch together stay well below 100.
 */
export const FERRETDB_MAX_POOL_SIZE = 30;

export function ferretDbUri(port: number): string {
  return `mongodb://127.0.0.1:${port}/hookway?directConnection=true&retryWrites=false&maxPoolSize=${FERRETDB_MAX_POOL_SIZE}`;
}

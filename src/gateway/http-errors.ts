import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import type { Logger } from '../logger';
import { findUnstorable } from './storable';

export interface Issue {
  path: string;
  message: string;
}

/** An error whose message is meant for the API caller. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
  }
}

/** Parses input with a schema, or throws a 400 that names each field and its problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const unstorable = findUnstorable(input);
  if (unstorable) {
    const issues = [{ path: unstorable.path, message: unstorable.reason }];
    throw new HttpError(400, 'invalid_request', `invalid ${what}: ${summarize(issues)}`, issues);
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  throw new HttpError(400, 'invalid_request', `invalid ${what}: ${summarize(issues)}`, issues);
}

/** The first few issues, for a message. */
export function summarize(issues: Issue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}

export const requireJsonBody: RequestHandler = (req, _res, next) => {
  // Bodiless requests such as POST .../activate need no content type: req.is() is null for
  // them, false for a body that is not JSON; an empty body (Content-Length: 0) counts as none.
  if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
    if (req.get('content-length') !== '0' && req.is('application/json') === false) {
      next(new HttpError(415, 'unsupported_media_type', 'the body must be JSON with Content-Type: application/json'));
      return;
    }
  }
  next();
};

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

/** What a 503 or 507 asks the client to wait before sending again. */
const RETRY_AFTER_S = 5;

export function isDatabaseUnavailable(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  if (typeof name !== 'string') return false;
  if (/^Mongo(ServerSelection|Network|NotConnected|Timeout|OperationTimeout|PoolCleared)/.test(name)) return true;
  // FerretDB on SQLite reports a write that waited too long for the file lock as an internal error.
  if (name.startsWith('Mongo') && /SQLITE_BUSY/.test(String((err as { message?: unknown }).message))) return true;
  // A bulk write (insertMany, bulkWrite) that could not reach the server wraps the driver's
  // error (a network or server-selection error) as its errorResponse.
  return name === 'MongoBulkWriteError' && isDatabaseUnavailable((err as { errorResponse?: unknown }).errorResponse);
}

/**
 * FerretDB on SQLite reports a write refused for want of space as `database or disk is full`
 * (SQLITE_FULL): the disk of the data folder is full, and every write fails until space is freed.
 */
export function isDiskFull(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  const message = String((err as { message?: unknown })?.message);
  return typeof name === 'string' && name.startsWith('Mongo') && /database or disk is full|SQLITE_FULL/.test(message);
}

/** 507 with Retry-After: the client sends again, with the same ids, once space is freed. */
export function diskFullError(what: string): HttpError {
  return new HttpError(507, 'insufficient_storage', `the database's disk is full; ${what}`);
}

/** Turns every error into a JSON answer; only unexpected ones are logged, and never with the body. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    // A request answered already (by the ingest deadline) has nobody left to tell.
    if (res.headersSent) return;
    let error: HttpError;
    if (err instanceof HttpError) error = err;
    else if (err?.type === 'entity.parse.failed')
      error = new HttpError(400, 'invalid_json', `the body is not valid JSON: ${err.message}`);
    else if (err?.type === 'entity.too.large')
      error = new HttpError(413, 'body_too_large', `the body is larger than the limit of ${err.limit} bytes`);
    else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500)
      error = new HttpError(err.status, 'bad_request', String(err.message));
    else if (isDiskFull(err)) {
      logger.warn({ err: { name: err.name, message: err.message }, path: req.path }, 'database disk full');
      error = diskFullError('nothing was stored, retry once space is freed');
    } else if (isDatabaseUnavailable(err)) {
      logger.warn({ err: { name: err.name, message: err.message }, path: req.path }, 'database unavailable');
      error = new HttpError(503, 'unavailable', 'the database is unavailable; nothing was stored, retry later');
    } else {
      logger.error({ err, method: req.method, path: req.path }, 'request failed');
      error = new HttpError(500, 'internal', 'internal error');
    }
    if (error.status === 503 || error.status === 507) res.set('Retry-After', String(RETRY_AFTER_S));
    res
      .status(error.status)
      .json({ error: { code: error.code, message: error.message, ...(error.issues && { issues: error.issues }) } });
  };
}

import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACTED, redactUrl } from './domain/redaction';

// Secrets must never reach a log line, whatever object a caller hands over: API and access
// keys, bearer tokens, signing secrets, every header value and URL query string, at the top
// level or one object down.
const SECRET_FIELDS = ['apiKey', 'key', 'token', 'authorization', 'secret', 'signingSecret', 'headers.*', 'url'];
const REDACT = [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`), 'req.headers.authorization'];

/** A URL keeps its origin and path; anything else is hidden whole. */
function censor(value: unknown, path: string[]): unknown {
  return path.at(-1) === 'url' && typeof value === 'string' ? redactUrl(value) : REDACTED;
}

/** Logs to stdout unless a destination is given (tests capture lines that way). */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor } }, destination);
}

export type { Logger };

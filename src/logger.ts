import pino, { type DestinationStream, type Logger } from 'pino';

// Secrets must never reach a log line, whatever object a caller hands over: API and access
// keys, bearer tokens, signing secrets, at the top level or one object down.
const SECRET_FIELDS = ['apiKey', 'key', 'token', 'authorization', 'secret', 'signingSecret'];
const REDACT = [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`), 'req.headers.authorization'];

/** Logs to stdout unless a destination is given (tests capture lines that way). */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}

export type { Logger };

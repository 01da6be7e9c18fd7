import pino, { type DestinationStream, type Logger } from 'pino';

// Secrets must never reach a log line, whatever object a caller hands over.
const REDACT = ['apiKey', 'authorization', 'headers.authorization', 'req.headers.authorization', '*.secret', 'secret'];

/** JSON lines to stdout, or to `destination` (tests read them there). */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };

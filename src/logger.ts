import pino, { type Logger } from 'pino';

// Secrets must never reach a log line, whatever object a caller hands over.
const REDACT = ['apiKey', 'authorization', 'headers.authorization', 'req.headers.authorization', '*.secret', 'secret'];

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}

export type { Logger };

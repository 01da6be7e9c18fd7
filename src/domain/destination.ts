import { z } from 'zod';
import { secretProblem } from './signing-secret';
import { parseDuration } from './duration';
import { REDACTED, redactUrl } from './redaction';
import { headerNameProblem } from './header-name';

/**
 * Delays between attempts of one webhook: the first attempt is immediate, so this default
 * makes 8 attempts over more than 27 hours (each delay gets up to 20% jitter on top).
 */
export const DEFAULT_RETRY_DELAYS = ['5s', '5m', '30m', '2h', '5h', '10h', '10h'];
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_FAILURE_THRESHOLD = 10;
export const DEFAULT_DISABLE_AFTER = '3d';
export const DEFAULT_PROBE_INTERVAL = '30s';

export const destinationIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'must be 1–64 letters, digits, "-" or "_", starting with a letter or digit',
  );

const durationSchema = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, 'must be a duration such as 30s, 15m, 2h or 7d');

const baseUrlSchema = z
  .string()
  .max(2048)
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an http or https URL without credentials (put those in "auth")');

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('basic'),
    username: z.string().min(1).max(256),
    password: z.string().min(1).max(1024),
  }),
  z.strictObject({ type: z.literal('bearer'), token: z.string().min(1).max(4096) }),
]);

/** What an operator sends to create or replace a destination. Secrets never come back out. */
export const destinationConfigSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  url: baseUrlSchema,
  headers: z
    .record(z.string(), z.string().max(8192))
    .superRefine((headers, ctx) => {
      for (const key of Object.keys(headers)) {
        const problem = headerNameProblem(key);
        if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
      }
    })
    .default({}),
  auth: authSchema.optional(),
  timeoutMs: z.number().int().min(1_000).max(90_000).default(DEFAULT_TIMEOUT_MS),
  retryDelays: z.array(durationSchema).max(20, 'must hold at most 20 delays').default(DEFAULT_RETRY_DELAYS),
  rateLimitPerSecond: z.number().int().min(1).max(10_000).optional(),
  maxConcurrency: z.number().int().min(1).max(1_000).optional(),
  breaker: z
    .strictObject({
      failureThreshold: z.number().int().min(1).max(1_000).default(DEFAULT_FAILURE_THRESHOLD),
      disableAfter: durationSchema.default(DEFAULT_DISABLE_AFTER),
      /** The wait before the first probe of an open breaker; it doubles after each failed probe, up to an hour. */
      probeInterval: durationSchema.default(DEFAULT_PROBE_INTERVAL),
    })
    .default({
      failureThreshold: DEFAULT_FAILURE_THRESHOLD,
      disableAfter: DEFAULT_DISABLE_AFTER,
      probeInterval: DEFAULT_PROBE_INTERVAL,
    }),
});

export const destinationCreateSchema = destinationConfigSchema.extend({
  id: destinationIdSchema,
  signingSecret: z
    .string()
    .refine((secret) => secretProblem(secret) === undefined, { message: secretProblem('') })
    .optional(),
});

export type DestinationConfig = z.infer<typeof destinationConfigSchema>;
export type DestinationCreate = z.infer<typeof destinationCreateSchema>;

/**
 * The configuration a PUT stores. A PUT may send back what GET showed: the shown URL and hidden
 * header values keep the stored ones, and an omitted "auth" keeps the stored auth. All three
 * only while the origin stays: credentials meant for one host must never go to another, so a
 * new origin drops them unless the same request supplies them.
 */
export function replacedConfig(
  current: DestinationConfig,
  next: DestinationConfig,
  authGiven: boolean,
): DestinationConfig {
  const url = next.url === redactUrl(current.url) ? current.url : next.url;
  const sameOrigin = new URL(url).origin === new URL(current.url).origin;
  const kept = (name: string) => (sameOrigin ? current.headers[name] : undefined);
  const headers = Object.fromEntries(
    Object.entries(next.headers).flatMap(([name, value]) => {
      const stored = value === REDACTED ? kept(name) : value;
      return stored === undefined ? [] : [[name, stored]];
    }),
  );
  const { auth: _given, ...rest } = next;
  const auth = authGiven ? next.auth : sameOrigin ? current.auth : undefined;
  return { ...rest, url, headers, ...(auth && { auth }) };
}

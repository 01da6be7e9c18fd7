// Access keys: who may call the API, and for what. One schema per concept; the gateway, the
// CLI and the configuration take their types and messages from here.
import { z } from 'zod';

export const ACCESS_KINDS = ['admin', 'ingest'] as const;
/** admin: everything; ingest: only POST /v1/events. */
export type AccessKind = (typeof ACCESS_KINDS)[number];

export const accessKeyIdSchema = z.string().regex(/^key_[A-Za-z0-9_-]{1,64}$/, 'must be a key id such as key_3f9a…');

const RATE = /^(\d{1,7})\/(s|m|h)$/;
const PERIOD_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** A request rate: `count` requests per `periodMs`. */
export interface Rate {
  count: number;
  periodMs: number;
}

/** "100/s", "600/m" or "5000/h"; undefined when the text is not a positive rate. */
export function parseRate(text: string): Rate | undefined {
  const match = RATE.exec(text);
  if (!match || Number(match[1]) < 1) return undefined;
  return { count: Number(match[1]), periodMs: PERIOD_MS[match[2] as keyof typeof PERIOD_MS] };
}

export const rateSchema = z
  .string()
  .refine((text) => parseRate(text) !== undefined, 'must be a rate such as 100/s, 600/m or 5000/h');

export const accessKeyCreateSchema = z.strictObject({
  kind: z.enum(ACCESS_KINDS, { message: `must be one of ${ACCESS_KINDS.join(', ')}` }),
  name: z
    .string()
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters')
    .regex(/^\P{Cc}*$/u, 'must not contain control characters'),
  /** Overrides the gateway's default ingestion rate for this key. */
  rateLimit: rateSchema.optional(),
  /**
   * Lets an ingest key send entity events (no userId), each of which may enter a campaign's
   * whole audience; admin keys always may.
   */
  entityEvents: z.boolean().optional(),
});

export type AccessKeyCreate = z.infer<typeof accessKeyCreateSchema>;

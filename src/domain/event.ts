import { z } from 'zod';
import { dateTimeSchema } from './date-time';
import { unsafeKeyReason } from './paths';
import { isSystemEvent } from './system-events';

export const eventNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/, 'must be 1–128 letters, digits or "_.:-", such as price_dropped');

/** Longest string and array a property may hold; templates that repeat them must stay cheap to render. */
export const MAX_PROPERTY_STRING = 16 * 1024;
export const MAX_PROPERTY_ITEMS = 1_000;

/**
 * A key stored in MongoDB or read by templates must not be an operator, a dotted path or a
 * prototype name; strings and arrays are bounded.
 */
function checkValue(value: unknown, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  if (typeof value === 'string' && value.length > MAX_PROPERTY_STRING) {
    ctx.addIssue({ code: 'custom', path, message: `must be at most ${MAX_PROPERTY_STRING} characters` });
  } else if (Array.isArray(value)) {
    if (value.length > MAX_PROPERTY_ITEMS)
      ctx.addIssue({ code: 'custom', path, message: `must hold at most ${MAX_PROPERTY_ITEMS} items` });
    else value.forEach((item, i) => checkValue(item, ctx, [...path, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const reason = unsafeKeyReason(key);
      if (reason) ctx.addIssue({ code: 'custom', path: [...path, key], message: `key ${reason}` });
      else checkValue(inner, ctx, [...path, key]);
    }
  }
}

// Keys are checked on the raw input: z.record drops a "__proto__" key silently, and a caller
// who sent one must hear that it was refused.
export const propertiesSchema = z
  .unknown()
  .superRefine((value, ctx) => checkValue(value, ctx))
  .pipe(z.record(z.string(), z.json()));

export const userIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .regex(/^\P{Cc}*$/u, 'must not contain control characters');

export const eventInputSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 letters, digits or "_.:-"')
      .optional(),
    /** Absent for an entity event (say, a product's price dropped): it enters every user the campaign's audience matches. */
    userId: userIdSchema.optional(),
    // Forged system events would advance or end the journeys of connected campaigns.
    name: eventNameSchema.refine(
      (name) => !isSystemEvent(name),
      'must not start with "hookway.": Hookway emits those system events itself',
    ),
    properties: propertiesSchema.optional(),
    userProperties: propertiesSchema.optional(),
    timestamp: dateTimeSchema.optional(),
  })
  .refine((event) => event.userId !== undefined || event.userProperties === undefined, {
    path: ['userProperties'],
    message: 'needs a userId: an event without one is an entity event and belongs to no profile',
  });

export const MAX_EVENTS_PER_BATCH = 1000;

export const eventBatchSchema = z.strictObject({
  events: z
    .array(eventInputSchema)
    .min(1, 'must hold at least one event')
    .max(MAX_EVENTS_PER_BATCH, `must hold at most ${MAX_EVENTS_PER_BATCH} events`),
});

export type EventInput = z.infer<typeof eventInputSchema>;
export type Properties = z.infer<typeof propertiesSchema>;

/** An event as journeys see it: the trigger, and any event signalled to a running journey. */
export interface JourneyEvent {
  id: string;
  name: string;
  userId: string;
  timestamp: string;
  properties: Properties;
  /** How many campaigns led to this event: 0 for a customer's event, n+1 for a system event of a journey triggered at depth n. */
  depth?: number;
}

// POST /v1/campaigns/:id/trigger: enter the listed users now, each with properties for the templates.
import { z } from 'zod';
import { eventNameSchema, propertiesSchema, userIdSchema } from './event';

export const MAX_TRIGGERED_USERS = 10_000;
export const MAX_ENTRIES_PER_SECOND = 1_000;

export const entriesPerSecondSchema = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_ENTRIES_PER_SECOND, `must be at most ${MAX_ENTRIES_PER_SECOND}`);

export const triggerRequestSchema = z.strictObject({
  users: z
    .array(z.strictObject({ userId: userIdSchema, properties: propertiesSchema.optional() }))
    .min(1, 'must hold at least one user')
    .max(MAX_TRIGGERED_USERS, `must hold at most ${MAX_TRIGGERED_USERS} users`),
  /** The trigger event's name the journeys see; the campaign's trigger event by default. */
  event: eventNameSchema.optional(),
  entriesPerSecond: entriesPerSecondSchema.optional(),
});

export type TriggerRequest = z.infer<typeof triggerRequestSchema>;

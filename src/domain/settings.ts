// Fatigue settings for every campaign, kept in MongoDB and edited through /v1/settings.
import { z } from 'zod';
import { capSchema, quietHoursSchema } from './fatigue';
import { isTimeZone } from './local-time';

export const settingsSchema = z.strictObject({
  /** Caps that hold for the webhooks of every campaign, beside each campaign's own. */
  caps: z.array(capSchema).max(20).default([]),
  /** Quiet hours for every campaign, in each user's local time. */
  quietHours: quietHoursSchema.optional(),
  /** The zone of users whose profile and campaign name none. */
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Seoul').default('UTC'),
});

export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

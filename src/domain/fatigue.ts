// Fatigue control on a campaign: frequency caps, the tags that tag-scoped caps count, what
// happens to a capped webhook, quiet hours and a send window in the user's local time.
// Pure: the workflow imports these types.
import { z } from 'zod';
import { parseDuration } from './duration';
import { WEEKDAYS } from './local-time';

const MINUTE_MS = 60_000;
/** The longest window a cap may have: a send older than this counts against no cap. */
export const MAX_CAP_WINDOW_MS = 30 * 86_400_000;

export const timeOfDaySchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time of day such as 21:00');

export const tagSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'must be 1–64 letters, digits or "_.:-", such as channel:sms');

/** At most `max` webhooks per user in a rolling `window`; with a tag, only webhooks of campaigns carrying it count. */
export const capSchema = z.strictObject({
  max: z.number().int('must be a whole number').min(1).max(10_000),
  window: z.string().refine((text) => {
    const ms = parseDuration(text);
    return ms !== undefined && ms >= MINUTE_MS && ms <= MAX_CAP_WINDOW_MS;
  }, 'must be a duration from 1m to 30d, such as 24h or 7d'),
  tag: tagSchema.optional(),
});

/** No webhook goes out from `start` until `end`, local time; may wrap midnight (21:00–08:00). */
export const quietHoursSchema = z
  .strictObject({ start: timeOfDaySchema, end: timeOfDaySchema })
  .refine((q) => q.start !== q.end, { path: ['end'], message: 'must differ from start' });

/** Webhooks go out only on these weekdays, and between `start` and `end` local time when given. */
export const sendWindowSchema = z
  .strictObject({
    weekdays: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional(),
    start: timeOfDaySchema.optional(),
    end: timeOfDaySchema.optional(),
  })
  .superRefine((w, ctx) => {
    if ((w.start === undefined) !== (w.end === undefined))
      ctx.addIssue({ code: 'custom', message: 'give both start and end, or neither' });
    else if (w.start !== undefined && w.start >= w.end!) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: 'must be later than start on the same day (quietHours may wrap midnight)',
      });
    }
    if (!w.weekdays && w.start === undefined)
      ctx.addIssue({ code: 'custom', message: 'give weekdays, hours (start and end), or both' });
  });

export const ON_CAPPED = ['skip', 'wait', 'exit'] as const;

/** The campaign fields of fatigue control; all optional, so journeys saved before them read as "no rules". */
export const campaignFatigueFields = {
  caps: z.array(capSchema).max(10).optional(),
  /** Tags of this campaign's webhooks, e.g. ["channel:sms"]: tag-scoped caps count and apply to them. */
  tags: z.array(tagSchema).max(20).optional(),
  /** skip (default): go on to the step's next; wait: hold until a slot frees; exit: end the journey. */
  onCapped: z.enum(ON_CAPPED).optional(),
  /** Transactional campaigns: their webhooks are neither limited nor counted by caps. */
  capExempt: z.boolean().optional(),
  quietHours: quietHoursSchema.optional(),
  sendWindow: sendWindowSchema.optional(),
};

export type Cap = z.infer<typeof capSchema>;
export type QuietHours = z.infer<typeof quietHoursSchema>;
export type SendWindow = z.infer<typeof sendWindowSchema>;
export type OnCapped = (typeof ON_CAPPED)[number];

/** A campaign's own cap scoped by a tag it does not carry could never apply: refused. */
export function fatigueIssues(campaign: {
  caps?: Cap[];
  tags?: string[];
  capExempt?: boolean;
}): Array<{ path: Array<string | number>; message: string }> {
  const issues = (campaign.caps ?? []).flatMap((cap, i) =>
    cap.tag !== undefined && !(campaign.tags ?? []).includes(cap.tag)
      ? [{ path: ['caps', i, 'tag'], message: `the campaign does not carry the tag "${cap.tag}"; add it to "tags"` }]
      : [],
  );
  if (campaign.capExempt && campaign.caps?.length)
    issues.push({ path: ['capExempt'], message: 'an exempt campaign ignores caps; remove "caps" or "capExempt"' });
  return issues;
}

// When a scheduled campaign enters its users: once at a time, or on a cron recurrence,
// optionally at that local time in each user's own zone. Each firing starts a fan-out over
// the segment (or audience) named here; the campaign's event trigger keeps working beside it.
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { conditionSchema, segmentIdSchema } from './condition-schema';
import { isTimeZone } from './local-time';
import { entriesPerSecondSchema } from './trigger-request';

function cronProblem(expression: string): string | undefined {
  if (expression.trim().split(/\s+/).length !== 5)
    return 'must have 5 fields: minute hour day-of-month month day-of-week, such as "0 10 * * 1"';
  try {
    CronExpressionParser.parse(expression);
    return undefined;
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
}

export const campaignScheduleSchema = z
  .strictObject({
    /** Who enters: the users of a saved segment, or those matching a condition. */
    segment: segmentIdSchema.optional(),
    audience: conditionSchema.optional(),
    /** Once, at this instant. */
    at: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2026-12-01T10:00:00+09:00' })
      .optional(),
    /** On a recurrence, such as "0 10 * * 1" (every Monday at 10:00). */
    cron: z.string().max(200).optional(),
    /** The zone the cron is read in (default UTC). */
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Seoul').optional(),
    /** Each user enters when their own clock shows the cron's time (their zone as the campaign's timeZone says). */
    localTime: z.boolean().default(false),
    entriesPerSecond: entriesPerSecondSchema.optional(),
  })
  .superRefine((schedule, ctx) => {
    if ((schedule.segment === undefined) === (schedule.audience === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either "segment" (a segment id) or "audience" (a condition)' });
    }
    if ((schedule.at === undefined) === (schedule.cron === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either "at" (once) or "cron" (a recurrence)' });
    }
    const problem = schedule.cron === undefined ? undefined : cronProblem(schedule.cron);
    if (problem) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
    if (schedule.localTime && schedule.cron === undefined)
      ctx.addIssue({ code: 'custom', path: ['localTime'], message: 'is only used with "cron"' });
    if (schedule.timeZone !== undefined && (schedule.cron === undefined || schedule.localTime)) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeZone'],
        message: 'is only used with "cron" without "localTime" (with localTime each user\'s own zone counts)',
      });
    }
  });

export type CampaignSchedule = z.infer<typeof campaignScheduleSchema>;

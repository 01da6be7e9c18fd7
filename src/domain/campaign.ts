import { z } from 'zod';
import { campaignScheduleSchema } from './campaign-schedule';
import { conditionFields, type Condition } from './condition';
import { conditionSchema, fieldPathSchema } from './condition-schema';
import { looksLikeCredential } from './redaction';
import { parseDuration, parseOffset } from './duration';
import { destinationIdSchema } from './destination';
import { eventNameSchema } from './event';
import { headerNameProblem } from './header-name';
import { campaignFatigueFields, fatigueIssues } from './fatigue';
import { isTimeZone, WEEKDAYS } from './local-time';
import { referenceIssues, stepGraphIssues } from './step-graph';
import { templateLeaves, templateProblem } from './template';

export const campaignIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'must be 1–64 letters, digits, "-" or "_", starting with a letter or digit',
  );

const stepIdSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, "-" or "_", starting with a letter');

const durationSchema = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, 'must be a duration such as 30s, 15m, 2h or 7d, at most 366d');

const MAX_TEMPLATE = 8 * 1024;
const MAX_BODY_BYTES = 64 * 1024;

const HTTP_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

/** Headers or query parameters: up to 50 templates, each name checked by `nameProblem`. */
const templateRecord = (nameProblem: (name: string) => string | undefined) =>
  z.record(z.string(), z.string().max(MAX_TEMPLATE)).superRefine((record, ctx) => {
    const keys = Object.keys(record);
    if (keys.length > 50) ctx.addIssue({ code: 'custom', message: 'must have at most 50 entries' });
    for (const key of keys) {
      const problem = nameProblem(key);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
  });
const queryName = (name: string) => (HTTP_TOKEN.test(name) ? undefined : 'must be a valid query name');

// The scheme must be written out: a template that renders the whole URL could send anywhere.
const stepUrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^https?:\/\//i, 'must start with http:// or https:// (other schemes and a templated scheme are not allowed)');

/** A literal credential in a step would sit in every journey's history; it belongs in a destination's auth or headers. */
const stepHeadersSchema = templateRecord(headerNameProblem).superRefine((headers, ctx) => {
  for (const [name, value] of Object.entries(headers)) {
    if (looksLikeCredential(name) && !value.includes('{{')) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'looks like a credential; put it in a destination ("auth" or "headers") and name the destination here',
      });
    }
  }
});

const requestSchema = z
  .strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    url: stepUrlSchema.optional(),
    destination: destinationIdSchema.optional(),
    path: z.string().max(2048).optional(),
    headers: stepHeadersSchema.optional(),
    query: templateRecord(queryName).optional(),
    body: z
      .json()
      .refine(
        (body) => JSON.stringify(body).length <= MAX_BODY_BYTES,
        `must be at most ${MAX_BODY_BYTES} bytes as JSON`,
      )
      .optional(),
  })
  .superRefine((request, ctx) => {
    if ((request.url === undefined) === (request.destination === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either "url" (a full URL) or "destination" (with an optional "path")',
      });
    }
    if (request.path !== undefined && request.destination === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'is only used with "destination"' });
    }
  });

const webhookStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('webhook'),
  request: requestSchema,
  /** Keep the response (status, headers, JSON body up to 64 KiB) as steps.<id>.response for later steps. */
  saveResponse: z.boolean().default(true),
  /** Where to go when the webhook has finally failed: "exit" ends the journey. */
  onFailure: z.union([z.literal('exit'), stepIdSchema]).default('exit'),
  next: stepIdSchema.optional(),
});

const offsetSchema = z
  .string()
  .refine((text) => parseOffset(text) !== undefined, 'must be a duration such as 1d or -2h');

/** Wait for a duration, until a local time of day (optionally on given weekdays), or until a date some property holds. */
const delayStepSchema = z
  .strictObject({
    id: stepIdSchema,
    type: z.literal('delay'),
    duration: durationSchema.optional(),
    until: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time of day such as 09:00')
      .optional(),
    weekdays: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional(),
    untilField: fieldPathSchema.optional(),
    offset: offsetSchema.optional(),
    next: stepIdSchema.optional(),
  })
  .superRefine((step, ctx) => {
    const kinds = [step.duration, step.until, step.untilField].filter((k) => k !== undefined).length;
    if (kinds !== 1)
      ctx.addIssue({
        code: 'custom',
        message: 'a delay needs exactly one of duration, until (a time of day) or untilField (a date property)',
      });
    if (step.weekdays && step.until === undefined)
      ctx.addIssue({ code: 'custom', path: ['weekdays'], message: 'is only used with "until"' });
    if (step.offset && step.untilField === undefined)
      ctx.addIssue({ code: 'custom', path: ['offset'], message: 'is only used with "untilField"' });
  });

const waitForEventStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('waitForEvent'),
  event: eventNameSchema,
  /** A condition on the awaited event, e.g. { field: "event.properties.amount", op: "gte", value: 10 }. */
  where: conditionSchema.optional(),
  timeout: durationSchema,
  onEvent: stepIdSchema.optional(),
  onTimeout: stepIdSchema.optional(),
  next: stepIdSchema.optional(),
});

const branchStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('branch'),
  cases: z
    .array(z.strictObject({ when: conditionSchema, next: stepIdSchema }))
    .min(1)
    .max(20),
  default: stepIdSchema.optional(),
  next: stepIdSchema.optional(),
});

const exitStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('exit'),
  reason: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1–64 letters, digits or "_.:-"')
    .default('exit'),
});

export const stepSchema = z.discriminatedUnion('type', [
  webhookStepSchema,
  delayStepSchema,
  waitForEventStepSchema,
  branchStepSchema,
  exitStepSchema,
]);

const eventFilterSchema = z.strictObject({ event: eventNameSchema, where: conditionSchema.optional() });

const STEP_REFERENCE = /\bsteps\.([A-Za-z][A-Za-z0-9_-]{0,63})/g;

/** The steps a step's templates and conditions read through steps.<id>, with where each is read. */
function stepReferences(step: z.infer<typeof stepSchema>): Array<[Array<string | number>, string]> {
  const sources: Array<[Array<string | number>, string]> =
    step.type === 'webhook'
      ? templateLeaves(step.request).map(([leaf, source]) => [['request', ...leaf.split('.')], source])
      : step.type === 'branch'
        ? step.cases.flatMap((c, i) =>
            conditionFields(c.when).map((field): [Array<string | number>, string] => [['cases', i, 'when'], field]),
          )
        : step.type === 'delay' && step.untilField
          ? [[['untilField'], step.untilField]]
          : [];
  return sources.flatMap(([path, text]) =>
    [...text.matchAll(STEP_REFERENCE)].map((m): [Array<string | number>, string] => [path, m[1]]),
  );
}

/**
 * The fields the campaign-wide checks below walk. zod runs an object's refinements even when a
 * field failed; with a mistake inside one of these they would read it as valid (and crash), so
 * they wait until it is fixed. Other mistakes (a blank name) are still reported beside theirs.
 */
const WALKED_BY_CHECKS: ReadonlySet<PropertyKey> = new Set([
  'steps',
  'trigger',
  'exitOn',
  'goal',
  'caps',
  'tags',
  'capExempt',
]);

export const campaignSchema = z
  .strictObject({
    id: campaignIdSchema,
    name: z.string().trim().min(1, 'must not be empty').max(200),
    description: z.string().max(2000).optional(),
    trigger: z.strictObject({
      event: eventNameSchema,
      where: conditionSchema.optional(),
      /** true lets an entity event (no userId) enter every user of the audience; without it such events are ignored. */
      entityEvents: z.boolean().optional(),
    }),
    audience: conditionSchema.optional(),
    /** Events that end a running journey at once, even in the middle of a delay or a wait. */
    exitOn: z.array(eventFilterSchema).max(10).default([]),
    /** A conversion: the goal event within `within` of entering (and after the last webhook); it may end the journey. */
    goal: eventFilterSchema.extend({ within: durationSchema, exit: z.boolean().default(true) }).optional(),
    /** Whether and when a user may enter again. */
    reentry: z
      .discriminatedUnion('mode', [
        z.strictObject({ mode: z.literal('once') }),
        z.strictObject({ mode: z.literal('afterCompletion'), cooldown: durationSchema.optional() }),
        z.strictObject({ mode: z.literal('restart') }),
        z.strictObject({
          mode: z.literal('parallel'),
          key: fieldPathSchema.refine(
            (f) => f.startsWith('event.properties.'),
            'must be an event property, e.g. event.properties.orderId',
          ),
        }),
      ])
      .default({ mode: 'afterCompletion' }),
    /** Where delays "until 09:00" take the user's time zone from: a profile property holding an IANA name, else the default. */
    timeZone: z
      .strictObject({
        property: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a profile property name')
          .default('timeZone'),
        /** Unset: the global default of /v1/settings (delays until a time of day use UTC). */
        default: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Seoul').optional(),
      })
      .default({ property: 'timeZone' }),
    ...campaignFatigueFields,
    steps: z.array(stepSchema).min(1, 'must hold at least one step').max(100, 'must hold at most 100 steps'),
    /** Enter a segment's users once or on a recurrence (Temporal Schedule), beside the event trigger. */
    schedule: campaignScheduleSchema.optional(),
  })
  .superRefine(
    (campaign, ctx) => {
      for (const issue of fatigueIssues(campaign)) ctx.addIssue({ code: 'custom', ...issue });
      const seen = new Set<string>();
      campaign.steps.forEach((step, i) => {
        if (seen.has(step.id))
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'id'],
            message: `"${step.id}" is used by an earlier step`,
          });
        seen.add(step.id);
        if (step.type !== 'webhook') return;
        for (const [leafPath, source] of templateLeaves(step.request)) {
          const problem = templateProblem(source);
          if (problem) {
            ctx.addIssue({ code: 'custom', path: ['steps', i, 'request', ...leafPath.split('.')], message: problem });
          }
        }
      });
      // With a step id used twice the graph is ambiguous; that error comes first.
      if (seen.size === campaign.steps.length) {
        const graphIssues = stepGraphIssues(campaign.steps);
        const issues =
          graphIssues.length > 0 ? graphIssues : referenceIssues(campaign.steps, campaign.steps.map(stepReferences));
        for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
      }
      // Event filters are matched against the event alone, before any profile lookup.
      const eventFilters: Array<[Array<string | number>, Condition | undefined]> = [
        [['trigger', 'where'], campaign.trigger.where],
        ...campaign.exitOn.map((f, i): [Array<string | number>, Condition | undefined] => [
          ['exitOn', i, 'where'],
          f.where,
        ]),
        [['goal', 'where'], campaign.goal?.where],
        ...campaign.steps.map((step, i): [Array<string | number>, Condition | undefined] => [
          ['steps', i, 'where'],
          step.type === 'waitForEvent' ? step.where : undefined,
        ]),
      ];
      for (const [path, condition] of eventFilters) {
        for (const field of condition ? conditionFields(condition) : []) {
          if (!field.startsWith('event.')) {
            ctx.addIssue({
              code: 'custom',
              path,
              message: `may only read event fields; conditions on "${field}" belong in the audience or a branch`,
            });
          }
        }
      }
    },
    {
      // An issue without a path is about the whole input (not an object at all).
      when: (payload) =>
        payload.issues.every(
          (issue) => issue.path !== undefined && issue.path.length > 0 && !WALKED_BY_CHECKS.has(issue.path[0]),
        ),
    },
  );

export type Campaign = z.infer<typeof campaignSchema>;
export type Step = z.infer<typeof stepSchema>;
export type WebhookStep = z.infer<typeof webhookStepSchema>;
export type EventFilter = z.infer<typeof eventFilterSchema>;
export type Reentry = Campaign['reentry'];

import { z } from 'zod';
import { conditionFields } from './condition';
import { conditionSchema } from './condition-schema';
import { parseDuration } from './duration';
import { destinationIdSchema } from './destination';
import { eventNameSchema } from './event';
import { templateLeaves, templateProblem } from './template';

export const campaignIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, "-" or "_", starting with a letter or digit');

const stepIdSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, "-" or "_", starting with a letter');

const durationSchema = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, 'must be a duration such as 30s, 15m, 2h or 7d, at most 366d');

const MAX_TEMPLATE = 8 * 1024;
const MAX_BODY_BYTES = 64 * 1024;

const HTTP_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

const templateRecord = z.record(z.string(), z.string().max(MAX_TEMPLATE)).superRefine((record, ctx) => {
  const keys = Object.keys(record);
  if (keys.length > 50) ctx.addIssue({ code: 'custom', message: 'must have at most 50 entries' });
  for (const key of keys) {
    if (!HTTP_TOKEN.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'must be a valid HTTP header or query name' });
  }
});

const requestSchema = z
  .strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    url: z.string().min(1).max(2048).optional(),
    destination: destinationIdSchema.optional(),
    path: z.string().max(2048).optional(),
    headers: templateRecord.optional(),
    query: templateRecord.optional(),
    body: z
      .json()
      .refine((body) => JSON.stringify(body).length <= MAX_BODY_BYTES, `must be at most ${MAX_BODY_BYTES} bytes as JSON`)
      .optional(),
  })
  .superRefine((request, ctx) => {
    if ((request.url === undefined) === (request.destination === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either "url" (a full URL) or "destination" (with an optional "path")' });
    }
    if (request.path !== undefined && request.destination === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'is only used with "destination"' });
    }
  });

const webhookStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('webhook'),
  request: requestSchema,
});

const delayStepSchema = z.strictObject({
  id: stepIdSchema,
  type: z.literal('delay'),
  duration: durationSchema,
});

export const stepSchema = z.discriminatedUnion('type', [webhookStepSchema, delayStepSchema]);

export const campaignSchema = z
  .strictObject({
    id: campaignIdSchema,
    name: z.string().trim().min(1, 'must not be empty').max(200),
    description: z.string().max(2000).optional(),
    trigger: z.strictObject({
      event: eventNameSchema,
      where: conditionSchema.optional(),
    }),
    audience: conditionSchema.optional(),
    steps: z.array(stepSchema).min(1, 'must hold at least one step').max(100, 'must hold at most 100 steps'),
  })
  .superRefine((campaign, ctx) => {
    const seen = new Set<string>();
    campaign.steps.forEach((step, i) => {
      if (seen.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `"${step.id}" is used by an earlier step` });
      seen.add(step.id);
      if (step.type !== 'webhook') return;
      for (const [leafPath, source] of templateLeaves(step.request)) {
        const problem = templateProblem(source);
        if (problem) {
          ctx.addIssue({ code: 'custom', path: ['steps', i, 'request', ...leafPath.split('.')], message: `template does not compile: ${problem}` });
        }
      }
    });
    // The gateway matches triggers before any profile lookup; user conditions belong in the audience.
    if (campaign.trigger.where) {
      for (const field of conditionFields(campaign.trigger.where)) {
        if (!field.startsWith('event.')) {
          ctx.addIssue({ code: 'custom', path: ['trigger', 'where'], message: `may only read event fields; move "${field}" into the audience` });
        }
      }
    }
  });

export type Campaign = z.infer<typeof campaignSchema>;
export type Step = z.infer<typeof stepSchema>;
export type WebhookStep = z.infer<typeof webhookStepSchema>;

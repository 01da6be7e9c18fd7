import { z } from 'zod';
import { COMPARISON_OPS, type Comparison, type Condition } from './condition';
import { FORBIDDEN_KEYS } from './paths';

const FIELD_PATH = /^(user|event|campaign|journey|steps)(\.[A-Za-z0-9_-]{1,128}){1,10}$/;

export const fieldPathSchema = z
  .string()
  .regex(FIELD_PATH, 'must be a path such as user.properties.tier, event.properties.dropPercent or steps.credit.response.body.balance')
  .refine((path) => !path.split('.').some((key) => FORBIDDEN_KEYS.has(key)), 'must not name a prototype key');

const scalar = z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]);

const VALUE_BY_OP: Record<Comparison['op'], z.ZodType> = {
  eq: scalar,
  ne: scalar,
  gt: z.union([z.number(), z.string().max(1024)]),
  gte: z.union([z.number(), z.string().max(1024)]),
  lt: z.union([z.number(), z.string().max(1024)]),
  lte: z.union([z.number(), z.string().max(1024)]),
  in: z.array(scalar).max(1000),
  nin: z.array(scalar).max(1000),
  exists: z.boolean(),
  contains: scalar,
  startsWith: z.string().max(1024),
};

const VALUE_HINT: Record<Comparison['op'], string> = {
  eq: 'a string, number, boolean or null',
  ne: 'a string, number, boolean or null',
  gt: 'a number or string',
  gte: 'a number or string',
  lt: 'a number or string',
  lte: 'a number or string',
  in: 'an array of at most 1000 strings, numbers, booleans or nulls',
  nin: 'an array of at most 1000 strings, numbers, booleans or nulls',
  exists: 'true or false',
  contains: 'a string, number, boolean or null',
  startsWith: 'a string',
};

const GROUP_KEYS = ['all', 'any', 'not', 'field'] as const;

/**
 * One object shape with a check on which keys it uses, rather than a zod union, so that a
 * mistake is reported as "use exactly one of all, any, not or field" at the right path
 * instead of one complaint per union branch.
 */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .strictObject({
      all: z.array(conditionSchema).min(1).max(100).optional(),
      any: z.array(conditionSchema).min(1).max(100).optional(),
      not: conditionSchema.optional(),
      field: fieldPathSchema.optional(),
      op: z.enum(COMPARISON_OPS).optional(),
      value: z.unknown().optional(),
    })
    .superRefine((condition, ctx) => {
      const used = GROUP_KEYS.filter((key) => condition[key] !== undefined);
      if (used.length !== 1) {
        ctx.addIssue({ code: 'custom', message: 'a condition must use exactly one of all, any, not or field' });
        return;
      }
      if (used[0] !== 'field') {
        if (condition.op !== undefined || condition.value !== undefined) {
          ctx.addIssue({ code: 'custom', message: `"op" and "value" belong to a field comparison, not to "${used[0]}"` });
        }
        return;
      }
      if (condition.op === undefined) {
        ctx.addIssue({ code: 'custom', path: ['op'], message: `is required: one of ${COMPARISON_OPS.join(', ')}` });
        return;
      }
      if (!VALUE_BY_OP[condition.op].safeParse(condition.value).success) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `for op "${condition.op}" must be ${VALUE_HINT[condition.op]}` });
      }
    }),
) as unknown as z.ZodType<Condition>;

import { z } from 'zod';
import {
  AGE_FIELDS,
  AGE_OPS,
  COMPARISON_OPS,
  isAgeComparison,
  isBehaviourTerm,
  type Comparison,
  type Condition,
} from './condition';
import { parseDuration } from './duration';
import { eventNameSchema } from './event';
import { FORBIDDEN_KEYS } from './paths';

const FIELD_PATH = /^(user|event|campaign|journey|steps)(\.[A-Za-z0-9_-]{1,128}){1,10}$/;

export const fieldPathSchema = z
  .string()
  .regex(
    FIELD_PATH,
    'must be a path such as user.properties.tier, event.properties.dropPercent or steps.credit.response.body.balance',
  )
  .refine((path) => !path.split('.').some((key) => FORBIDDEN_KEYS.has(key)), 'must not name a prototype key');

export const segmentIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'must be 1–64 letters, digits, "-" or "_", starting with a letter or digit',
  );

const withinSchema = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, 'must be a duration such as 30m, 12h, 7d or 4w, at most 366d');

const countSchema = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(1_000_000, 'must be at most 1000000');

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

const KINDS = ['all', 'any', 'not', 'field', 'performed', 'notPerformed', 'segment'] as const;
type Kind = (typeof KINDS)[number];
/** The keys each kind of condition may use besides its own. */
const KEYS_OF: Record<Kind, readonly string[]> = {
  all: [],
  any: [],
  not: [],
  field: ['op', 'value', 'valueFrom'],
  performed: ['where', 'atLeast', 'atMost', 'within'],
  notPerformed: ['where', 'within'],
  segment: [],
};
const ALL_OPS = [...COMPARISON_OPS, ...AGE_OPS] as const;

type RawCondition = Partial<
  Record<Kind | 'op' | 'value' | 'valueFrom' | 'where' | 'atLeast' | 'atMost' | 'within', unknown>
>;

function checkComparison(condition: RawCondition, ctx: z.RefinementCtx): void {
  const field = condition.field as string;
  const op = condition.op as (typeof ALL_OPS)[number] | undefined;
  if (op === undefined) {
    ctx.addIssue({ code: 'custom', path: ['op'], message: `is required: one of ${ALL_OPS.join(', ')}` });
    return;
  }
  // An unknown op is reported by the enum.
  if (!(ALL_OPS as readonly string[]).includes(op)) return;
  const ageField = (AGE_FIELDS as readonly string[]).includes(field);
  if ((AGE_OPS as readonly string[]).includes(op)) {
    if (!ageField)
      ctx.addIssue({
        code: 'custom',
        path: ['op'],
        message: `"${op}" compares ${AGE_FIELDS.join(' or ')} with a duration`,
      });
    else if (typeof condition.value !== 'string' || parseDuration(condition.value) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `for op "${op}" must be a duration such as 30m, 12h, 7d or 4w, at most 366d`,
      });
    }
    if (condition.valueFrom !== undefined)
      ctx.addIssue({ code: 'custom', path: ['valueFrom'], message: `is not used with op "${op}"` });
    return;
  }
  if (ageField) {
    ctx.addIssue({
      code: 'custom',
      path: ['op'],
      message: `${field} is compared with "olderThan" or "newerThan" and a duration`,
    });
    return;
  }
  const comparisonOp = op as Comparison['op'];
  if (condition.valueFrom !== undefined) {
    if (condition.value !== undefined)
      ctx.addIssue({ code: 'custom', message: 'give either "value" or "valueFrom", not both' });
    const from = fieldPathSchema.safeParse(condition.valueFrom);
    if (!from.success || !from.data.startsWith('event.')) {
      ctx.addIssue({
        code: 'custom',
        path: ['valueFrom'],
        message: 'must be a field of the triggering event, such as event.properties.productId',
      });
    }
    if (comparisonOp === 'exists')
      ctx.addIssue({ code: 'custom', path: ['valueFrom'], message: 'is not used with op "exists"' });
    return;
  }
  if (!VALUE_BY_OP[comparisonOp].safeParse(condition.value).success) {
    ctx.addIssue({
      code: 'custom',
      path: ['value'],
      message: `for op "${comparisonOp}" must be ${VALUE_HINT[comparisonOp]}`,
    });
  }
}

/** A behavioural term's `where` reads the counted events' properties with literal values only. */
function historyFilterIssues(
  condition: Condition,
  path: Array<string | number>,
): Array<{ path: Array<string | number>; message: string }> {
  if ('all' in condition) return condition.all.flatMap((c, i) => historyFilterIssues(c, [...path, 'all', i]));
  if ('any' in condition) return condition.any.flatMap((c, i) => historyFilterIssues(c, [...path, 'any', i]));
  if ('not' in condition) return historyFilterIssues(condition.not, [...path, 'not']);
  if ('segment' in condition || isBehaviourTerm(condition) || isAgeComparison(condition)) {
    return [{ path, message: 'a "where" on counted events holds only comparisons of event.properties fields' }];
  }
  const issues = [];
  if (!condition.field.startsWith('event.properties.'))
    issues.push({
      path: [...path, 'field'],
      message: 'must be a property of the counted events, such as event.properties.amount',
    });
  if (condition.valueFrom !== undefined)
    issues.push({ path: [...path, 'valueFrom'], message: 'is not used on counted events; give "value"' });
  return issues;
}

function checkBehaviour(condition: RawCondition, kind: 'performed' | 'notPerformed', ctx: z.RefinementCtx): void {
  if (!eventNameSchema.safeParse(condition[kind]).success) {
    ctx.addIssue({ code: 'custom', path: [kind], message: 'must be an event name such as purchase' });
  }
  if (condition.within === undefined)
    ctx.addIssue({ code: 'custom', path: ['within'], message: 'is required: a duration such as 30d' });
  const { atLeast, atMost } = condition as { atLeast?: number; atMost?: number };
  if (atLeast !== undefined && atMost !== undefined && atLeast > atMost) {
    ctx.addIssue({ code: 'custom', path: ['atMost'], message: 'must not be less than "atLeast"' });
  }
  // A malformed where is reported by its own schema; only a well-formed one is checked further.
  if (condition.where !== undefined && conditionSchema.safeParse(condition.where).success) {
    for (const issue of historyFilterIssues(condition.where as Condition, ['where']))
      ctx.addIssue({ code: 'custom', ...issue });
  }
}

/**
 * One object shape with a check on which keys it uses, rather than a zod union, so that a
 * mistake is reported as "use exactly one of ..." at the right path instead of one complaint
 * per union branch. Every value that can reach a database query is a checked scalar.
 */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .strictObject({
      all: z.array(conditionSchema).min(1).max(100).optional(),
      any: z.array(conditionSchema).min(1).max(100).optional(),
      not: conditionSchema.optional(),
      field: fieldPathSchema.optional(),
      op: z.enum(ALL_OPS).optional(),
      value: z.unknown().optional(),
      valueFrom: z.string().max(1024).optional(),
      performed: z.string().optional(),
      notPerformed: z.string().optional(),
      where: conditionSchema.optional(),
      atLeast: countSchema.optional(),
      atMost: countSchema.optional(),
      within: withinSchema.optional(),
      segment: segmentIdSchema.optional(),
    })
    .superRefine((condition, ctx) => {
      const used = KINDS.filter((key) => condition[key] !== undefined);
      if (used.length !== 1) {
        ctx.addIssue({ code: 'custom', message: `a condition must use exactly one of ${KINDS.join(', ')}` });
        return;
      }
      const kind = used[0];
      const stray = Object.keys(condition).filter(
        (key) => key !== kind && condition[key as keyof typeof condition] !== undefined && !KEYS_OF[kind].includes(key),
      );
      if (stray.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${stray.map((k) => `"${k}"`).join(', ')} ${stray.length === 1 ? 'does' : 'do'} not belong to "${kind}"`,
        });
        return;
      }
      if (kind === 'field') checkComparison(condition, ctx);
      else if (kind === 'performed' || kind === 'notPerformed') checkBehaviour(condition, kind, ctx);
    }),
) as unknown as z.ZodType<Condition>;

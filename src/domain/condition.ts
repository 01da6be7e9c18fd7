// Conditions filter triggers and audiences. The evaluator is pure (workflows may use it);
// the zod schema that validates user input lives in condition-schema.ts.
import { readPath } from './paths';

export const COMPARISON_OPS = [
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'exists', 'contains', 'startsWith',
] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export type Scalar = string | number | boolean | null;

export interface Comparison {
  field: string;
  op: ComparisonOp;
  value?: Scalar | Scalar[];
}

/** Recursive, so written by hand; condition-schema.ts is typed against it. */
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Comparison;

function ordered(a: unknown, b: unknown): [number, number] | [string, string] | undefined {
  if (typeof a === 'number' && typeof b === 'number') return [a, b];
  if (typeof a === 'string' && typeof b === 'string') return [a, b];
  return undefined;
}

function compare({ field, op, value }: Comparison, scope: unknown): boolean {
  const actual = readPath(scope, field);
  switch (op) {
    case 'eq':
      return actual === value;
    case 'ne':
      return actual !== value;
    case 'in':
      return Array.isArray(value) && value.includes(actual as Scalar);
    case 'nin':
      return Array.isArray(value) && !value.includes(actual as Scalar);
    case 'exists':
      return (actual !== undefined && actual !== null) === value;
    case 'contains':
      if (typeof actual === 'string' && typeof value === 'string') return actual.includes(value);
      return Array.isArray(actual) && actual.includes(value);
    case 'startsWith':
      return typeof actual === 'string' && typeof value === 'string' && actual.startsWith(value);
    default: {
      const pair = ordered(actual, value);
      if (!pair) return false;
      const [a, b] = pair;
      if (op === 'gt') return a > b;
      if (op === 'gte') return a >= b;
      if (op === 'lt') return a < b;
      return a <= b;
    }
  }
}

export function evaluateCondition(condition: Condition, scope: unknown): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, scope));
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, scope));
  if ('not' in condition) return !evaluateCondition(condition.not, scope);
  return compare(condition, scope);
}

/** Every field path a condition reads, for checks such as "a trigger only looks at the event". */
export function conditionFields(condition: Condition): string[] {
  if ('all' in condition) return condition.all.flatMap(conditionFields);
  if ('any' in condition) return condition.any.flatMap(conditionFields);
  if ('not' in condition) return conditionFields(condition.not);
  return [condition.field];
}

// Conditions filter triggers and audiences. The evaluator is pure (workflows may use it);
// the zod schema that validates user input lives in condition-schema.ts, and the compiler to
// MongoDB filters in condition-query.ts. Terms that need the database (what a user did, named
// segments) are evaluated here only when their outcome is handed in.
import { parseDuration } from './duration';
import { readPath } from './paths';

/**
 * User fields are queried in MongoDB (condition-query.ts), which reads arrays by index only,
 * so the evaluator reads them the same way; other fields are read as templates read them.
 */
function readField(scope: unknown, field: string): unknown {
  return readPath(scope, field, { arraysByIndexOnly: field.startsWith('user.') });
}

export const COMPARISON_OPS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'nin',
  'exists',
  'contains',
  'startsWith',
] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export const AGE_OPS = ['olderThan', 'newerThan'] as const;
export type AgeOp = (typeof AGE_OPS)[number];
/** The profile's timestamps, compared with "now" by the age ops only. */
export const AGE_FIELDS = ['user.firstSeen', 'user.lastSeen'] as const;
export type AgeField = (typeof AGE_FIELDS)[number];

export type Scalar = string | number | boolean | null;

/**
 * A field compared with a literal `value`, or with `valueFrom`, a field of the triggering
 * event (e.g. the bookmarked product of a price drop).
 */
export interface Comparison {
  field: string;
  op: ComparisonOp;
  value?: Scalar | Scalar[];
  valueFrom?: string;
}

/** "The user was first (or last) seen more (or less) than a duration ago." */
export interface AgeComparison {
  field: AgeField;
  op: AgeOp;
  value: string;
}

/** The user did `performed` between atLeast (default 1) and atMost times within the last `within`. */
export interface PerformedTerm {
  performed: string;
  where?: Condition;
  atLeast?: number;
  atMost?: number;
  within: string;
}

export interface NotPerformedTerm {
  notPerformed: string;
  where?: Condition;
  within: string;
}

export type BehaviourTerm = PerformedTerm | NotPerformedTerm;

export interface SegmentReference {
  segment: string;
}

/** Recursive, so written by hand; condition-schema.ts is typed against it. */
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | Comparison
  | AgeComparison
  | PerformedTerm
  | NotPerformedTerm
  | SegmentReference;

export function isBehaviourTerm(condition: Condition): condition is BehaviourTerm {
  return 'performed' in condition || 'notPerformed' in condition;
}

export function isAgeComparison(condition: Condition): condition is AgeComparison {
  return 'op' in condition && (AGE_OPS as readonly string[]).includes(condition.op);
}

/** How many events a behavioural term counts, as an inclusive range. */
export function behaviourRange(term: BehaviourTerm): { eventName: string; atLeast: number; atMost?: number } {
  if ('notPerformed' in term) return { eventName: term.notPerformed, atLeast: 0, atMost: 0 };
  return {
    eventName: term.performed,
    atLeast: term.atLeast ?? (term.atMost === undefined ? 1 : 0),
    atMost: term.atMost,
  };
}

/** Raised when a condition needs the database (events, segments) and no outcome was given. */
export class ConditionNeedsDatabaseError extends Error {
  constructor(what: string) {
    super(`${what} needs the database; evaluate this condition through the audience query`);
    this.name = 'ConditionNeedsDatabaseError';
  }
}

export interface EvaluationOptions {
  /** Milliseconds since the epoch, for olderThan / newerThan. */
  now?: number;
  /** Outcomes of behavioural terms and segment references, by node, worked out beforehand. */
  outcomes?: ReadonlyMap<Condition, boolean>;
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Whether a value read through valueFrom suits the op; a comparison whose valueFrom is missing
 * or of the wrong kind never matches (and its negation always does).
 */
export function valueSuitsOp(op: ComparisonOp, value: unknown): value is Scalar | Scalar[] {
  switch (op) {
    case 'in':
    case 'nin':
      return Array.isArray(value) && value.every(isScalar);
    case 'exists':
      return typeof value === 'boolean';
    case 'startsWith':
      return typeof value === 'string';
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    default:
      return isScalar(value);
  }
}

function ordered(a: unknown, b: unknown): [number, number] | [string, string] | undefined {
  if (typeof a === 'number' && typeof b === 'number') return [a, b];
  if (typeof a === 'string' && typeof b === 'string') return [a, b];
  return undefined;
}

/** The comparison's value: the literal, or what valueFrom reads in the scope (undefined when unsuitable). */
export function comparisonValue(comparison: Comparison, scope: unknown): Scalar | Scalar[] | undefined {
  if (comparison.valueFrom === undefined) return comparison.value;
  const value = readField(scope, comparison.valueFrom);
  return valueSuitsOp(comparison.op, value) ? value : undefined;
}

/** The in-memory meaning of each op; condition-query.ts compiles exactly this. */
export function compareValue(op: ComparisonOp, actual: unknown, value: Scalar | Scalar[]): boolean {
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

function compare(comparison: Comparison, scope: unknown): boolean {
  const value = comparisonValue(comparison, scope);
  return value !== undefined && compareValue(comparison.op, readField(scope, comparison.field), value);
}

/** A timestamp as milliseconds: a Date, epoch milliseconds or an ISO string; undefined otherwise. */
function timeOf(value: unknown): number | undefined {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? Date.parse(value)
          : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** The instant an age comparison is measured against: now minus its duration. */
export function ageThreshold(comparison: AgeComparison, now: number): number {
  const ms = parseDuration(comparison.value);
  if (ms === undefined) throw new Error(`"${comparison.value}" is not a duration`);
  return now - ms;
}

function compareAge(comparison: AgeComparison, scope: unknown, now: number | undefined): boolean {
  if (now === undefined)
    throw new ConditionNeedsDatabaseError(`"${comparison.op}" on ${comparison.field} (without the current time)`);
  const at = timeOf(readField(scope, comparison.field));
  if (at === undefined) return false;
  const threshold = ageThreshold(comparison, now);
  return comparison.op === 'olderThan' ? at < threshold : at > threshold;
}

function outcomeOf(condition: Condition, options: EvaluationOptions, what: string): boolean {
  const outcome = options.outcomes?.get(condition);
  if (outcome === undefined) throw new ConditionNeedsDatabaseError(what);
  return outcome;
}

export function evaluateCondition(condition: Condition, scope: unknown, options: EvaluationOptions = {}): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, scope, options));
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, scope, options));
  if ('not' in condition) return !evaluateCondition(condition.not, scope, options);
  if ('segment' in condition) return outcomeOf(condition, options, `segment "${condition.segment}"`);
  if (isBehaviourTerm(condition))
    return outcomeOf(condition, options, `a condition on event "${behaviourRange(condition).eventName}"`);
  if (isAgeComparison(condition)) return compareAge(condition, scope, options.now);
  return compare(condition, scope);
}

/** Whether evaluating needs the database: behavioural terms, segments or the profile's timestamps. */
export function needsDatabase(condition: Condition): boolean {
  if ('all' in condition) return condition.all.some(needsDatabase);
  if ('any' in condition) return condition.any.some(needsDatabase);
  if ('not' in condition) return needsDatabase(condition.not);
  return 'segment' in condition || isBehaviourTerm(condition) || isAgeComparison(condition);
}

export interface SegmentReferenceAt {
  id: string;
  /** Where in the condition, e.g. ['all', 1, 'segment']. */
  path: Array<string | number>;
}

/** The segments a condition references directly (not through other segments), with where. */
export function segmentReferences(condition: Condition, path: Array<string | number> = []): SegmentReferenceAt[] {
  if ('all' in condition) return condition.all.flatMap((c, i) => segmentReferences(c, [...path, 'all', i]));
  if ('any' in condition) return condition.any.flatMap((c, i) => segmentReferences(c, [...path, 'any', i]));
  if ('not' in condition) return segmentReferences(condition.not, [...path, 'not']);
  return 'segment' in condition ? [{ id: condition.segment, path: [...path, 'segment'] }] : [];
}

/**
 * Every field path a condition reads, for checks such as "a trigger only looks at the event".
 * A behavioural term reads the user's history, reported as user.events.<name>, and a segment
 * reference as user.segments.<id>; both are user fields for those checks.
 */
export function conditionFields(condition: Condition): string[] {
  if ('all' in condition) return condition.all.flatMap(conditionFields);
  if ('any' in condition) return condition.any.flatMap(conditionFields);
  if ('not' in condition) return conditionFields(condition.not);
  if ('segment' in condition) return [`user.segments.${condition.segment}`];
  if (isBehaviourTerm(condition)) return [`user.events.${behaviourRange(condition).eventName}`];
  if ('valueFrom' in condition && condition.valueFrom !== undefined) return [condition.field, condition.valueFrom];
  return [condition.field];
}

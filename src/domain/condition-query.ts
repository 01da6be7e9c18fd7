// Compiles a condition into a MongoDB filter over `profiles` for the user's fields; behavioural
// terms are answered from each user's own history (behaviour.ts) and handed in as outcomes.
// Pure (no driver import), so it is tested on its own and its output can be compared with the
// in-memory evaluator in condition.ts.
//
// Safety: only the operators in this file reach MongoDB. A field path becomes a dotted key
// only after each segment is checked against a plain-name pattern, and a value only ever
// appears under an operator ($eq, $in, $gt, ...) after being checked to be a scalar or an
// array of scalars; a string such as "$where" is then just a string. A string searched by
// contains/startsWith is escaped into a literal regular expression.
//
// Exactness: each comparison compiles to a filter true on exactly the profiles the evaluator
// accepts. MongoDB looks inside arrays (`{a: {$eq: 1}}` matches a: [1, 2]) and treats a missing
// field as null; the evaluator does neither, so filters say "not an array" and "exists" where
// it matters, and a path whose parent is an array is not followed (readPath does not either).
// Negation uses $nor over the exact filter, which stays exact for missing fields and type
// mismatches. FerretDB 1.24 supports every operator used here; $type is used only with "array".
import {
  ageThreshold,
  behaviourRange,
  compareValue,
  comparisonValue,
  evaluateCondition,
  isAgeComparison,
  isBehaviourTerm,
  type AgeComparison,
  type BehaviourTerm,
  type Comparison,
  type Condition,
  type Scalar,
} from './condition';
import { ARRAY_INDEX, FORBIDDEN_KEYS, STORED_ARRAY_MARKER } from './paths';

export type MongoFilter = { [key: string]: unknown };

/** What a condition may read besides the profile: the triggering event and the time. */
export interface EventLike {
  id?: string;
  name?: string;
  userId?: string;
  timestamp?: string;
  properties?: Record<string, unknown>;
}

export interface AudienceContext {
  event?: EventLike;
  /** Milliseconds since the epoch; "within 7d" and "olderThan 30d" count back from here. */
  now: number;
  /** The rest of a journey's scope (campaign, journey, steps) for audiences that read it. */
  scope?: Record<string, unknown>;
}

/** Outcomes of behavioural terms already counted, or 'relaxed': keep every user who may match. */
export type TermOutcomes = ReadonlyMap<Condition, boolean> | 'relaxed';

const ALWAYS: MongoFilter = Object.freeze({}) as MongoFilter;
const NEVER: MongoFilter = Object.freeze({ _id: { $in: [] } }) as MongoFilter;

const NAME = /^[A-Za-z0-9_-]{1,128}$/;

function isAlways(filter: MongoFilter): boolean {
  return Object.keys(filter).length === 0;
}

function and(parts: MongoFilter[]): MongoFilter {
  if (parts.includes(NEVER)) return NEVER;
  const kept = parts.filter((p) => !isAlways(p));
  return kept.length === 0 ? ALWAYS : kept.length === 1 ? kept[0] : { $and: kept };
}

function or(parts: MongoFilter[]): MongoFilter {
  if (parts.some(isAlways)) return ALWAYS;
  const kept = parts.filter((p) => p !== NEVER);
  return kept.length === 0 ? NEVER : kept.length === 1 ? kept[0] : { $or: kept };
}

function nor(filter: MongoFilter): MongoFilter {
  return isAlways(filter) ? NEVER : filter === NEVER ? ALWAYS : { $nor: [filter] };
}

function constant(value: boolean): MongoFilter {
  return value ? ALWAYS : NEVER;
}

function checkedScalar(value: unknown): Scalar {
  const ok =
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value));
  if (!ok) throw new Error('a condition value must be a string, a finite number, a boolean or null');
  return value as Scalar;
}

/** A dotted MongoDB key from plain name segments, and "not an array" guards on the parents readPath would not cross. */
interface Target {
  path: string;
  guards: MongoFilter[];
}

function target(root: string, names: string[]): Target {
  for (const name of names) {
    if (!NAME.test(name) || FORBIDDEN_KEYS.has(name)) throw new Error(`"${name}" is not a plain field name`);
  }
  const guards: MongoFilter[] = [];
  // An array parent is crossed only by an index, as readPath does; a name would make MongoDB look into each element.
  for (let i = 1; i < names.length; i++) {
    if (!ARRAY_INDEX.test(names[i])) guards.push(notArray([root, ...names.slice(0, i)].join('.')));
  }
  return { path: [root, ...names].join('.'), guards };
}

function isArray(path: string): MongoFilter {
  return { [path]: { $type: 'array' } };
}

/**
 * Neither an array nor the stored form of one nested in an array: MongoDB would read its "0"
 * as a field of each item of the parent array, where the evaluator sees an array.
 */
function notArray(path: string): MongoFilter {
  return nor(or([isArray(path), { [`${path}.${STORED_ARRAY_MARKER}`]: { $exists: true } }]));
}

function literalPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The field holds exactly this scalar (not an array containing it; null only when present). */
function exactly(path: string, value: Scalar): MongoFilter {
  return and([{ [path]: { $eq: value } }, ...(value === null ? [{ [path]: { $exists: true } }] : []), notArray(path)]);
}

function isOneOf(path: string, values: Scalar[]): MongoFilter {
  const nonNull = values.filter((v) => v !== null);
  return or([
    nonNull.length > 0 ? and([{ [path]: { $in: nonNull } }, notArray(path)]) : NEVER,
    values.includes(null) ? exactly(path, null) : NEVER,
  ]);
}

const ORDER_OPERATOR = { gt: '$gt', gte: '$gte', lt: '$lt', lte: '$lte' } as const;

/** The filter for one comparison on a stored field, matching compareValue in condition.ts. */
function compileComparison({ path, guards }: Target, op: Comparison['op'], value: Scalar | Scalar[]): MongoFilter {
  const values = Array.isArray(value) ? value.map(checkedScalar) : [];
  const single = Array.isArray(value) ? undefined : checkedScalar(value);
  const body = ((): MongoFilter => {
    switch (op) {
      case 'eq':
        return exactly(path, single!);
      case 'ne':
        return nor(exactly(path, single!));
      case 'in':
        return isOneOf(path, values);
      case 'nin':
        return nor(isOneOf(path, values));
      case 'exists': {
        const present = or([isArray(path), { [path]: { $ne: null } }]);
        return single === true ? present : nor(present);
      }
      case 'contains': {
        const inArray = and([isArray(path), { [path]: { $eq: single } }]);
        if (typeof single !== 'string') return inArray;
        return or([and([{ [path]: { $regex: literalPattern(single) } }, notArray(path)]), inArray]);
      }
      case 'startsWith':
        return typeof single === 'string'
          ? and([{ [path]: { $regex: `^${literalPattern(single)}` } }, notArray(path)])
          : NEVER;
      default:
        if (typeof single !== 'number' && typeof single !== 'string') return NEVER;
        return and([{ [path]: { [ORDER_OPERATOR[op]]: single } }, notArray(path)]);
    }
  })();
  // A negative filter is true when the guard fails (readPath yields undefined there), so the guard wraps the positive part only.
  if (guards.length === 0) return body;
  const negative = op === 'ne' || op === 'nin' || (op === 'exists' && single === false);
  return negative ? or([nor(and(guards)), body]) : and([...guards, body]);
}

/** Where a user field lives in a profile document, or the value the evaluator would see when it is not stored. */
function profileTarget(field: string): Target | { actual: unknown } {
  const [root, key, ...rest] = field.split('.');
  if (root !== 'user') throw new Error(`"${field}" is not a user field`);
  if (key === 'id') return rest.length === 0 ? { path: '_id', guards: [] } : { actual: undefined };
  if (key === 'properties') return rest.length === 0 ? { actual: {} } : target('properties', rest);
  return { actual: undefined };
}

function compileAge(comparison: AgeComparison, now: number): MongoFilter {
  const path = comparison.field === 'user.firstSeen' ? 'firstSeen' : 'lastSeen';
  const threshold = new Date(ageThreshold(comparison, now));
  return { [path]: comparison.op === 'olderThan' ? { $lt: threshold } : { $gt: threshold } };
}

/** What the evaluator sees of the world outside the profile. */
export function outsideScope(context: AudienceContext): Record<string, unknown> {
  return { ...context.scope, event: context.scope?.event ?? context.event };
}

function compileProfileComparison(comparison: Comparison, context: AudienceContext): MongoFilter {
  const scope = outsideScope(context);
  if (!comparison.field.startsWith('user.')) return constant(evaluateCondition(comparison, scope));
  const value = comparisonValue(comparison, scope);
  if (value === undefined) return NEVER;
  const where = profileTarget(comparison.field);
  return 'actual' in where
    ? constant(compareValue(comparison.op, where.actual, value))
    : compileComparison(where, comparison.op, value);
}

function compile(
  condition: Condition,
  context: AudienceContext,
  outcomes: TermOutcomes,
  positive: boolean,
): MongoFilter {
  if ('all' in condition) return and(condition.all.map((c) => compile(c, context, outcomes, positive)));
  if ('any' in condition) return or(condition.any.map((c) => compile(c, context, outcomes, positive)));
  if ('not' in condition) return nor(compile(condition.not, context, outcomes, !positive));
  if ('segment' in condition) throw new Error(`segment "${condition.segment}" must be expanded before compiling`);
  if (isBehaviourTerm(condition)) {
    if (outcomes === 'relaxed') return constant(positive);
    const outcome = outcomes.get(condition);
    if (outcome === undefined)
      throw new Error(`no count for the condition on event "${behaviourRange(condition).eventName}"`);
    return constant(outcome);
  }
  if (isAgeComparison(condition)) return compileAge(condition, context.now);
  return compileProfileComparison(condition, context);
}

/**
 * The filter over `profiles` for a condition without segment references. With outcomes the
 * filter is exact; 'relaxed' gives a filter that keeps every profile that may match, whose
 * candidates are then checked term by term.
 */
export function compileProfileFilter(
  condition: Condition,
  context: AudienceContext,
  outcomes: TermOutcomes,
): MongoFilter {
  return compile(condition, context, outcomes, true);
}

/** The behavioural terms of a condition (segments expanded), each answered from the user's history. */
export function behaviourTerms(condition: Condition): BehaviourTerm[] {
  if ('all' in condition) return condition.all.flatMap(behaviourTerms);
  if ('any' in condition) return condition.any.flatMap(behaviourTerms);
  if ('not' in condition) return behaviourTerms(condition.not);
  return isBehaviourTerm(condition) ? [condition] : [];
}

// Behavioural terms ("performed purchase at least 3 times within 30d where amount >= 100")
// answered in memory over one user's events, read from the user's own history records
// (src/db/event-history.ts) rather than queried over every stored event. Pure.
//
// Exactness: a `where` reads event properties as the profile filter reads user properties
// (arrays by index only, see condition-query.ts), so it is evaluated as that very comparison on
// a profile whose properties are the event's; the property test checks both against FerretDB.
import {
  behaviourRange,
  evaluateCondition,
  isAgeComparison,
  isBehaviourTerm,
  type BehaviourTerm,
  type Condition,
} from './condition';
import { parseDuration } from './duration';

/** An event as a user's history keeps it. */
export interface HistoryEvent {
  id: string;
  name: string;
  timestamp: Date;
  properties: Record<string, unknown>;
}

/** The same condition over `user.properties`, refusing anything but comparisons of event properties with values. */
function asPropertyCondition(condition: Condition): Condition {
  if ('all' in condition) return { all: condition.all.map(asPropertyCondition) };
  if ('any' in condition) return { any: condition.any.map(asPropertyCondition) };
  if ('not' in condition) return { not: asPropertyCondition(condition.not) };
  if (
    'segment' in condition ||
    isBehaviourTerm(condition) ||
    isAgeComparison(condition) ||
    condition.valueFrom !== undefined
  ) {
    throw new Error('a "where" on counted events holds only comparisons of event.properties fields with values');
  }
  const [root, key, ...rest] = condition.field.split('.');
  if (root !== 'event' || key !== 'properties' || rest.length === 0)
    throw new Error(`"${condition.field}" is not an event property`);
  return { ...condition, field: ['user', 'properties', ...rest].join('.') };
}

/** How far back a term looks, in milliseconds. */
export function termWindow(term: BehaviourTerm): number {
  const within = parseDuration(term.within);
  if (within === undefined) throw new Error(`"${term.within}" is not a duration`);
  return within;
}

/** The earliest instant any of the terms looks at. */
export function earliestLookedAt(terms: BehaviourTerm[], now: number): number {
  return Math.min(now, ...terms.map((term) => now - termWindow(term)));
}

/** Whether the user's events (each counted once, by id) satisfy the term at `now`. */
export function behaviourOutcome(term: BehaviourTerm, events: readonly HistoryEvent[], now: number): boolean {
  const { eventName, atLeast, atMost } = behaviourRange(term);
  const since = now - termWindow(term);
  const where = term.where && asPropertyCondition(term.where);
  const counted = new Set<string>();
  for (const event of events) {
    if (event.name !== eventName || event.timestamp.getTime() < since || counted.has(event.id)) continue;
    if (where && !evaluateCondition(where, { user: { properties: event.properties } })) continue;
    counted.add(event.id);
    // Counting stops as soon as the outcome is known.
    if (atMost !== undefined ? counted.size > atMost : counted.size >= atLeast) break;
  }
  return counted.size >= atLeast && (atMost === undefined || counted.size <= atMost);
}

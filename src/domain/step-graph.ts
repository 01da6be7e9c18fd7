// A campaign's steps form a graph: each step names where to go next (by default the
// following step). Checked when a campaign is saved, so a journey never meets an unknown
// step or loops forever without waiting. Pure: the workflow uses `successors` too.

export interface GraphStep {
  id: string;
  type: string;
  next?: string;
  onFailure?: string;
  onEvent?: string;
  onTimeout?: string;
  cases?: Array<{ next: string }>;
  default?: string;
}

export interface GraphIssue {
  path: Array<string | number>;
  message: string;
}

/** Steps that wait on a timer or an event; a loop must pass through one of them. */
const WAITING = new Set(['delay', 'waitForEvent']);

/**
 * Where a journey goes from step `index`: the path's own target when the step names one,
 * else the step's `next`, else the following step; undefined means the journey ends.
 */
export function nextStepId(steps: GraphStep[], index: number, target?: string): string | undefined {
  return target ?? steps[index].next ?? steps[index + 1]?.id;
}

/** Every named target of a step, with the field that names it. */
function namedTargets(step: GraphStep): Array<[field: Array<string | number>, target: string]> {
  const targets: Array<[Array<string | number>, string]> = [];
  if (step.next) targets.push([['next'], step.next]);
  if (step.onFailure && step.onFailure !== 'exit') targets.push([['onFailure'], step.onFailure]);
  if (step.onEvent) targets.push([['onEvent'], step.onEvent]);
  if (step.onTimeout) targets.push([['onTimeout'], step.onTimeout]);
  step.cases?.forEach((c, i) => targets.push([['cases', i, 'next'], c.next]));
  if (step.default) targets.push([['default'], step.default]);
  return targets;
}

/** The steps a journey can go to from step `index`, by the same rules as the workflow. */
function successors(steps: GraphStep[], index: number): string[] {
  const step = steps[index];
  const after = (target?: string) => nextStepId(steps, index, target);
  const paths: Array<string | undefined> =
    step.type === 'exit'
      ? []
      : step.type === 'webhook'
        ? [after(), step.onFailure === 'exit' ? undefined : step.onFailure]
        : step.type === 'waitForEvent'
          ? [after(step.onEvent), after(step.onTimeout)]
          : step.type === 'branch'
            ? [...(step.cases ?? []).map((c) => c.next), after(step.default)]
            : [after()];
  return paths.filter((id): id is string => id !== undefined);
}

/** Which steps each step can lead to, directly or not. */
function reachability(steps: GraphStep[], graph: number[][]): Array<Set<number>> {
  return steps.map((_, start) => {
    const seen = new Set<number>();
    const queue = [...graph[start]];
    while (queue.length > 0) {
      const i = queue.shift()!;
      if (seen.has(i)) continue;
      seen.add(i);
      queue.push(...graph[i]);
    }
    return seen;
  });
}

/**
 * A step may read steps.<id>.* only of a step that can have run before it. `references`
 * lists, per step index, the step ids its templates and conditions read.
 */
export function referenceIssues(
  steps: GraphStep[],
  references: Array<Array<[path: Array<string | number>, stepId: string]>>,
): GraphIssue[] {
  const indexOf = new Map(steps.map((s, i) => [s.id, i]));
  const graph = steps.map((_, i) =>
    successors(steps, i)
      .map((id) => indexOf.get(id)!)
      .filter((i) => i !== undefined),
  );
  const reaches = reachability(steps, graph);
  const issues: GraphIssue[] = [];
  references.forEach((refs, i) => {
    for (const [path, id] of refs) {
      const source = indexOf.get(id);
      if (source === undefined)
        issues.push({ path: ['steps', i, ...path], message: `reads step "${id}", which does not exist` });
      else if (!reaches[source].has(i))
        issues.push({
          path: ['steps', i, ...path],
          message: `reads step "${id}", which cannot have run before this step`,
        });
    }
  });
  return issues;
}

export function stepGraphIssues(steps: GraphStep[]): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const indexOf = new Map(steps.map((s, i) => [s.id, i]));
  steps.forEach((step, i) => {
    for (const [field, target] of namedTargets(step)) {
      if (!indexOf.has(target))
        issues.push({ path: ['steps', i, ...field], message: `names step "${target}", which does not exist` });
    }
  });
  if (issues.length > 0 || steps.length === 0) return issues;

  const graph = steps.map((_, i) => successors(steps, i).map((id) => indexOf.get(id)!));
  const reached = new Set<number>([0]);
  const queue = [0];
  while (queue.length > 0) {
    for (const next of graph[queue.shift()!]) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  steps.forEach((step, i) => {
    if (!reached.has(i)) issues.push({ path: ['steps', i], message: `step "${step.id}" can never be reached` });
  });

  // A loop made only of non-waiting steps would spin without end: look for one.
  const state = new Map<number, 'open' | 'done'>();
  const loopsFrom = (i: number): boolean => {
    if (WAITING.has(steps[i].type)) return false;
    if (state.get(i) === 'open') return true;
    if (state.get(i) === 'done') return false;
    state.set(i, 'open');
    const loops = graph[i].some(loopsFrom);
    state.set(i, 'done');
    return loops;
  };
  steps.forEach((step, i) => {
    if (!state.has(i) && loopsFrom(i))
      issues.push({
        path: ['steps', i],
        message: `step "${step.id}" is in a loop with no delay or waitForEvent step in it`,
      });
  });
  return issues;
}

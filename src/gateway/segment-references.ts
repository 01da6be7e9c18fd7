// Save-time checks of segment references: every id must name a segment, and a segment must
// not reach itself or chain deeper than MAX_SEGMENT_DEPTH through other segments.
import { SegmentResolutionError, type AudienceQuery } from '../db/audience';
import type { SegmentRepository } from '../db/segments';
import { segmentReferences, type Condition } from '../domain/condition';
import { HttpError, type Issue } from './http-errors';

export interface SegmentReferenceDeps {
  segments: SegmentRepository;
  audience: AudienceQuery;
}

/** A 400 naming the first problem, with all of them listed. */
function refuse(what: string, issues: Issue[]): HttpError {
  return new HttpError(400, 'invalid_request', `invalid ${what}: ${issues[0].path}: ${issues[0].message}`, issues);
}

/** Checks the conditions of `what` (each given with its path), or throws a 400 naming the path. */
export async function checkSegmentReferences(
  deps: SegmentReferenceDeps,
  what: string,
  conditions: Array<[Array<string | number>, Condition | undefined]>,
  savedSegmentId?: string,
): Promise<void> {
  const issues: Issue[] = [];
  for (const [base, condition] of conditions) {
    for (const { id, path } of condition ? segmentReferences(condition) : []) {
      if (!(await deps.segments.get(id)))
        issues.push({ path: [...base, ...path].join('.'), message: `segment "${id}" does not exist` });
    }
  }
  if (issues.length > 0) throw refuse(what, issues);
  if (savedSegmentId === undefined) return;
  for (const [base, condition] of conditions) {
    try {
      if (condition) await deps.audience.expand(condition, [savedSegmentId]);
    } catch (err) {
      if (err instanceof SegmentResolutionError) throw refuse(what, [{ path: base.join('.'), message: err.message }]);
      throw err;
    }
  }
}

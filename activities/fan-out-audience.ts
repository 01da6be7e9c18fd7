import { ApplicationFailure } from '@temporalio/activity';
import { SegmentResolutionError, type AudienceQuery } from '../src/db/audience';
import type { Condition } from '../src/domain/condition';
import type { FanOutEvent } from './fan-out';

export function createFanOutAudienceActivities(deps: { audience: Pick<AudienceQuery, 'findMatchingUsers'> }) {
  return {
    /** The next page of users matching a fan-out's audience, after the last one it entered; the audience may read the event. */
    async findFanOutUsers(input: { audience: Condition; event: FanOutEvent; afterUserId?: string; limit: number }): Promise<string[]> {
      try {
        return await deps.audience.findMatchingUsers(input.audience, { event: input.event, now: Date.now() }, input.afterUserId, input.limit);
      } catch (err) {
        // A segment deleted or broken since the fan-out began will not come back by retrying.
        if (err instanceof SegmentResolutionError) throw ApplicationFailure.nonRetryable(err.message, 'SegmentResolution');
        throw err;
      }
    },
  };
}

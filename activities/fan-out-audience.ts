import type { AudienceQuery } from '../src/db/audience';
import type { Condition } from '../src/domain/condition';
import { orFail } from './audience';
import type { FanOutEvent } from './fan-out';

export function createFanOutAudienceActivities(deps: { audience: Pick<AudienceQuery, 'findMatchingUsers'> }) {
  return {
    /** The next page of users matching a fan-out's audience, after the last one it entered; the audience may read the event. */
    async findFanOutUsers(input: {
      audience: Condition;
      event: FanOutEvent;
      afterUserId?: string;
      limit: number;
    }): Promise<string[]> {
      return orFail(() =>
        deps.audience.findMatchingUsers(
          input.audience,
          { event: input.event, now: Date.now() },
          input.afterUserId,
          input.limit,
        ),
      );
    },
  };
}

import type { Condition } from '../src/domain/condition';
import type { FanOutEvent } from './fan-out';

/** Finds a page of users matching a condition, in user id order, after `afterUserId`. */
export interface MatchingUsers {
  findMatchingUsers(condition: Condition, context: { event?: FanOutEvent; now: Date }, afterUserId: string | undefined, limit: number): Promise<string[]>;
}

export function createFanOutAudienceActivities(deps: { audience: MatchingUsers }) {
  return {
    /** The next page of users matching a fan-out's audience, after the last one it entered. */
    async findFanOutUsers(input: { audience: Condition; event: FanOutEvent; afterUserId?: string; limit: number }): Promise<string[]> {
      return deps.audience.findMatchingUsers(input.audience, { event: input.event, now: new Date() }, input.afterUserId, input.limit);
    },
  };
}

// Fatigue control before each webhook: when it may go out (quiet hours, send window, the
// user's zone) and whether the frequency caps leave a slot. Times (`at`) come from the
// workflow's clock. The results say what happened (held until, capped by which cap), so
// a counter can be hooked onto them.
import type { ProfileRepository } from '../src/db/profiles';
import type { SendLog } from '../src/db/send-log';
import type { SettingsRepository } from '../src/db/settings';
import { applicableCaps, type AppliedCap, type CapVerdict } from '../src/domain/caps';
import type { Campaign } from '../src/domain/campaign';
import { chooseZone } from '../src/domain/local-time';
import { nextSendTime } from '../src/domain/send-window';
import type { Settings } from '../src/domain/settings';
import type { Logger } from '../src/logger';

export type FatigueRules = Pick<Campaign, 'id' | 'timeZone' | 'caps' | 'tags' | 'quietHours' | 'sendWindow'>;

export interface SendPlan {
  zone: string;
  /** Set when the profile's zone is not a valid one and a default was used. */
  zoneProblem?: string;
  /** When the webhook may go out: `at` itself, or later when `heldBy` a rule; unset when the rules never allow it. */
  sendAt?: number;
  heldBy?: string;
  /** The caps the reservation must keep, global ones as they are now. */
  caps: AppliedCap[];
}

export function createFatigueActivities(deps: {
  settings: SettingsRepository;
  sendLog: SendLog;
  profiles: ProfileRepository;
  logger: Logger;
}) {
  /** The profile's zone, else the campaign's default, else the global one; a bad profile value is logged. */
  async function userZone(
    input: { journeyId: string; userId: string; timeZone: Campaign['timeZone'] },
    settings: Settings,
  ) {
    const { journeyId, userId, timeZone } = input;
    const profile = await deps.profiles.get(userId);
    const choice = chooseZone(profile?.properties?.[timeZone.property], [timeZone.default, settings.timeZone]);
    if (choice.problem)
      deps.logger.warn(
        { journeyId, userId, property: timeZone.property },
        `invalid time zone in profile: ${choice.problem}`,
      );
    return choice;
  }

  return {
    /** The user's zone, for a delay until a local time of day. */
    async userTimeZone(input: {
      journeyId: string;
      userId: string;
      timeZone: Campaign['timeZone'];
    }): Promise<{ zone: string; problem?: string }> {
      return userZone(input, await deps.settings.get());
    },

    async planSend(input: { journeyId: string; userId: string; rules: FatigueRules; at: number }): Promise<SendPlan> {
      const { rules, journeyId } = input;
      const settings = await deps.settings.get();
      const { zone, problem } = await userZone({ ...input, timeZone: rules.timeZone }, settings);
      const quietHours = [settings.quietHours, rules.quietHours].filter((q) => q !== undefined);
      const next = nextSendTime(input.at, { quietHours, sendWindow: rules.sendWindow }, zone);
      if (!next)
        deps.logger.warn(
          { journeyId, campaignId: rules.id },
          'quiet hours and the send window never allow a send; the webhook is skipped',
        );
      return {
        zone,
        zoneProblem: problem,
        sendAt: next?.at,
        heldBy: next?.heldBy,
        caps: applicableCaps(settings.caps, rules),
      };
    },

    /** Checks and reserves a slot in one atomic step; a retry with the same key finds its slot. */
    async reserveSend(input: {
      key: string;
      userId: string;
      campaignId: string;
      tags: string[];
      caps: AppliedCap[];
      at: number;
    }): Promise<CapVerdict> {
      const { at, ...request } = input;
      return deps.sendLog.reserve({ ...request, now: new Date(at) });
    },

    /** A webhook that finally failed gives its slot back. */
    async releaseSend(input: { key: string; userId: string }): Promise<void> {
      await deps.sendLog.release(input.userId, input.key);
    },
  };
}

import type { CampaignRepository, CampaignStatus } from '../src/db/campaigns';
import type { EventRepository } from '../src/db/events';
import type { JourneyRepository } from '../src/db/journeys';
import type { Reentry } from '../src/domain/campaign';
import { SYSTEM_EVENT } from '../src/domain/system-events';

/** Times (`at`) come from the workflow's clock, so cooldowns follow workflow time, also when a test skips it. */
export interface JourneyIdentity {
  journeyId: string;
  runId: string;
  campaignId: string;
  userId: string;
  /** Depth of the event that triggered the journey; its system events are one deeper. */
  depth: number;
}

export function createJourneyActivities(deps: { journeys: JourneyRepository; events: EventRepository; campaigns: CampaignRepository }) {
  /** Writes a system event for connected campaigns; the id makes a retried activity write it once. */
  async function emit(identity: JourneyIdentity, name: string, suffix: string, properties: Record<string, string>): Promise<void> {
    await deps.events.insertSystemEvent({
      _id: `sys:${identity.journeyId}:${identity.runId}:${suffix}`,
      userId: identity.userId,
      name,
      properties: { campaignId: identity.campaignId, journeyId: identity.journeyId, ...properties },
      timestamp: new Date(),
      depth: identity.depth + 1,
    });
  }

  return {
    /** The campaign's lifecycle status now: a paused campaign holds its journeys before each webhook. */
    async campaignStatus(input: { campaignId: string }): Promise<CampaignStatus | undefined> {
      return deps.campaigns.status(input.campaignId);
    },

    /**
     * Applies the re-entry rule and admits a trigger event once; an admitted journey announces
     * hookway.journey.entered. `triggerEventId` is absent only in runs started before it was passed.
     */
    async admitJourney(input: JourneyIdentity & { reentry: Reentry; at: number; triggerEventId?: string }): Promise<{ admitted: boolean; reason?: string }> {
      const { journeyId, runId, campaignId, userId, reentry, triggerEventId } = input;
      const admission = await deps.journeys.admit({ journeyId, runId, campaignId, userId, reentry, now: new Date(input.at), triggerEventId });
      if (admission.admitted) await emit(input, SYSTEM_EVENT.journeyEntered, 'entered', {});
      return admission;
    },

    async journeyEnded(input: JourneyIdentity & { outcome: string; reason?: string; at: number }): Promise<void> {
      await deps.journeys.ended(input.journeyId, input.runId, input.outcome, new Date(input.at));
      await emit(input, SYSTEM_EVENT.journeyExited, 'exited', { outcome: input.outcome, reason: input.reason ?? input.outcome });
    },

    async recordConversion(input: JourneyIdentity & { eventId: string }): Promise<void> {
      const { journeyId, runId, campaignId, userId, eventId } = input;
      const counted = await deps.journeys.recordConversion(`${journeyId}:${runId}`, { campaignId, userId, journeyId, eventId, at: new Date() });
      if (counted) await emit(input, SYSTEM_EVENT.goalReached, 'goal', { eventId });
    },
  };
}

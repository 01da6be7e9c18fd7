import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CampaignRepository } from '../src/db/campaigns';
import type { FanOutEntryRepository } from '../src/db/fan-out-entries';
import type { ProfileRepository } from '../src/db/profiles';
import type { JourneyEvent, Properties } from '../src/domain/event';
import { entryEventId, type FanOutUser } from '../src/domain/fan-out';
import { journeyIdFor } from '../src/domain/reentry';
import type { Campaign } from '../src/domain/campaign';
import { campaignGate } from '../src/domain/campaign-gate';

/** The trigger each entered journey receives, as the fan-out was given it. */
export interface FanOutEvent {
  name?: string;
  properties: Properties;
  timestamp: string;
}

/**
 * Hands a trigger to a user's journey as the gateway does (src/temporal/journeys.ts). Given by the
 * worker, so that activities never import the client layer above them.
 */
export type EnterJourney = (
  client: Client,
  taskQueue: string,
  campaign: Campaign,
  version: number,
  event: JourneyEvent,
) => Promise<void>;

export interface FanOutActivityDeps {
  campaigns: CampaignRepository;
  entries: FanOutEntryRepository;
  profiles: ProfileRepository;
  /** The client and task queue of the worker running the activity: journeys start where it polls. */
  temporal: () => { client: Client; taskQueue: string };
  enterJourney: EnterJourney;
}

export interface EnterUsersInput {
  fanOutId: string;
  campaignId: string;
  users: FanOutUser[];
  event: FanOutEvent;
}

export type EnterUsersResult =
  { campaign: 'active'; entered: number; skipped: number } | { campaign: 'paused' | 'ended' };

/** Journeys entered at once within one batch: enough to hide Temporal's latency, few enough to spare it. */
const ENTER_CONCURRENCY = 16;
/** Clocks of the gateway, worker and Temporal differ a little; a journey started this close before a claim may be its own. */
const CLOCK_SKEW_MS = 2_000;

async function inChunks<T>(
  items: T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<PromiseSettledResult<void>[]> {
  const results: PromiseSettledResult<void>[] = [];
  for (let i = 0; i < items.length; i += size)
    results.push(...(await Promise.allSettled(items.slice(i, i + size).map(fn))));
  return results;
}

export function createFanOutActivities(deps: FanOutActivityDeps) {
  /** Whether an earlier attempt, cut off between starting a journey and recording it, did start it. */
  async function startedSince(
    client: Client,
    campaign: Campaign,
    event: JourneyEvent,
    claimedAt: Date,
  ): Promise<boolean> {
    try {
      const { startTime } = await client.workflow.getHandle(journeyIdFor(campaign, event)).describe();
      return startTime.getTime() >= claimedAt.getTime() - CLOCK_SKEW_MS;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  return {
    /** The valid IANA zones profiles hold in a property, for entering users at their local time. */
    async timeZonesInUse(input: { property: string }): Promise<string[]> {
      return deps.profiles.timeZonesIn(input.property);
    },

    /**
     * Starts or signals each user's journey, as the gateway does for an event. Each user is
     * claimed first (a unique insert), so a retried batch or a resumed fan-out enters nobody
     * twice; a user an earlier attempt claimed but may not have entered is checked against
     * Temporal. Users entered by an earlier attempt are counted as skipped.
     */
    async enterFanOutUsers(input: EnterUsersInput): Promise<EnterUsersResult> {
      const record = await deps.campaigns.get(input.campaignId);
      const gate = campaignGate(record?.status).fanOut;
      if (!record || gate === 'stop') return { campaign: 'ended' };
      if (gate === 'wait') return { campaign: 'paused' };
      const { client, taskQueue } = deps.temporal();
      const campaign = record.definition;
      const eventFor = (user: FanOutUser): JourneyEvent => ({
        id: entryEventId(input.fanOutId, user.userId),
        name: input.event.name ?? campaign.trigger.event,
        userId: user.userId,
        timestamp: input.event.timestamp,
        properties: { ...input.event.properties, ...user.properties },
      });
      const byId = new Map(input.users.map((u) => [u.userId, u]));
      const claims = await deps.entries.claim(input.fanOutId, [...byId.keys()], new Date());
      const toEnter = claims.claimed.map((id) => byId.get(id)!);
      let skipped = 0;
      for (const earlier of claims.earlier) {
        const user = byId.get(earlier.userId)!;
        if (earlier.enteredAt || (await startedSince(client, campaign, eventFor(user), earlier.claimedAt)))
          skipped += 1;
        else toEnter.push(user);
      }
      const results = await inChunks(toEnter, ENTER_CONCURRENCY, (user) =>
        deps.enterJourney(client, taskQueue, campaign, record.version, eventFor(user)),
      );
      const entered = toEnter.filter((_, i) => results[i].status === 'fulfilled').map((u) => u.userId);
      await deps.entries.markEntered(input.fanOutId, entered, new Date());
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      // The failed users stay claimed but unmarked: the retry checks them against Temporal.
      if (failure) throw failure.reason;
      return { campaign: 'active', entered: entered.length, skipped };
    },
  };
}

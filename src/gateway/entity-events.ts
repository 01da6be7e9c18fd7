// Entity events: an event without a user, such as `price_dropped` for product 42 sent by a
// pricing system. It is stored and kept in the outbox like any event; its hand-off starts one
// fan-out per campaign it triggers, which enters every user the campaign's audience matches
// (the audience may compare a user field with the event's, e.g. bookmarks containing the
// product id). The fan-out id comes from the event and campaign ids, so a re-swept event
// starts no second fan-out.
import type { Client } from '@temporalio/client';
import type { EventRecord } from '../db/events';
import { campaignGate } from '../domain/campaign-gate';
import type { EventInput, Properties } from '../domain/event';
import { fanOutIds } from '../domain/fan-out';
import { startFanOut } from '../temporal/fan-outs';
import type { ActiveCampaigns } from './active-campaigns';
import type { Caller } from './auth';
import { HttpError } from './http-errors';

export type UserEventRecord = EventRecord & { userId: string };

export function isUserEvent(record: EventRecord): record is UserEventRecord {
  return record.userId !== undefined;
}

/**
 * An entity event may enter a campaign's whole audience, so only an admin key or an ingest key
 * granted `entityEvents` may send one; a batch holding one is refused whole, before anything is stored.
 */
export function requireEntityEventGrant(caller: Caller, inputs: EventInput[], isBatch: boolean): void {
  if (caller.entityEvents) return;
  const index = inputs.findIndex((input) => input.userId === undefined);
  if (index === -1) return;
  throw new HttpError(
    403,
    'forbidden',
    `${isBatch ? `events.${index}.userId` : 'userId'}: missing; an event without a userId enters a campaign's whole audience, ` +
      `which needs an admin key or an ingest key created with "entityEvents": true (key ${caller.keyId} is not)`,
  );
}

export interface EntityEventDeps {
  campaigns: ActiveCampaigns;
  temporal: Client;
  taskQueue: string;
  fanOutEntriesPerSecond: number;
}

export async function handOffEntityEvent(deps: EntityEventDeps, record: EventRecord): Promise<void> {
  for (const { campaignId } of record.pendingRoutes ?? []) {
    // A campaign paused or archived since the event arrived starts nothing.
    const live = deps.campaigns.get(campaignId);
    if (!live || !campaignGate(live.status).start || !live.definition.audience) continue;
    await startFanOut(deps.temporal, deps.taskQueue, fanOutIds.entityEvent(record._id, campaignId), {
      campaignId,
      source: { audience: live.definition.audience },
      event: {
        name: record.name,
        properties: record.properties as Properties,
        timestamp: record.timestamp.toISOString(),
      },
      entriesPerSecond: deps.fanOutEntriesPerSecond,
    });
  }
}

import type { CampaignRecord, CampaignRepository } from '../db/campaigns';
import type { PendingRoute } from '../db/events';
import type { Campaign } from '../domain/campaign';
import { campaignGate } from '../domain/campaign-gate';
import { evaluateCondition } from '../domain/condition';
import type { JourneyEvent } from '../domain/event';
import { listenedEvents } from '../domain/heard-events';
import { mayReach } from '../domain/system-events';

export interface LiveCampaign {
  definition: Campaign;
  version: number;
  status: CampaignRecord['status'];
}

/** What matching a trigger reads of an event; an entity event has no user. */
type EntityEvent = { name: string; properties: Record<string, unknown>; depth?: number };

function entityEventRefusal(definition: Campaign): string | undefined {
  if (definition.trigger.entityEvents !== true) {
    return 'its trigger does not declare "entityEvents": true, so an event without a userId enters nobody';
  }
  if (definition.audience === undefined)
    return 'it has no audience, so an event without a userId would enter every user';
  return undefined;
}

function addTo(map: Map<string, LiveCampaign[]>, key: string, campaign: LiveCampaign): void {
  const list = map.get(key) ?? [];
  if (!list.includes(campaign)) list.push(campaign);
  map.set(key, list);
}

/**
 * The live (active and paused) campaigns, kept in memory and indexed by event name, so
 * matching an event costs no query. Refreshed when this gateway changes a campaign and on
 * an interval, for changes made through other gateways.
 */
export class ActiveCampaigns {
  private triggeredBy = new Map<string, LiveCampaign[]>();
  private listeners = new Map<string, LiveCampaign[]>();
  private byId = new Map<string, LiveCampaign>();

  constructor(private readonly repository: CampaignRepository) {}

  async refresh(): Promise<void> {
    const triggeredBy = new Map<string, LiveCampaign[]>();
    const listeners = new Map<string, LiveCampaign[]>();
    const byId = new Map<string, LiveCampaign>();
    for (const { definition, version, status } of await this.repository.listLive()) {
      const live = { definition, version, status };
      byId.set(definition.id, live);
      const gate = campaignGate(status);
      if (gate.start) addTo(triggeredBy, definition.trigger.event, live);
      if (gate.signal) for (const name of listenedEvents(definition)) addTo(listeners, name, live);
    }
    this.triggeredBy = triggeredBy;
    this.listeners = listeners;
    this.byId = byId;
  }

  get(id: string): LiveCampaign | undefined {
    return this.byId.get(id);
  }

  /** What the event means to each campaign: a trigger, or news for its running journeys. */
  routesFor(event: JourneyEvent): PendingRoute[] {
    const triggered = this.triggered(event);
    const listening = (this.listeners.get(event.name) ?? []).filter(({ definition }) => mayReach(event, definition.id));
    return [
      ...triggered.map((c): PendingRoute => ({ campaignId: c.definition.id, kind: 'start' })),
      ...listening.map((c): PendingRoute => ({ campaignId: c.definition.id, kind: 'signal' })),
    ];
  }

  /**
   * An entity event (no user) enters, through a fan-out, the audience of each campaign it
   * triggers whose trigger declares `entityEvents: true`. A campaign without an audience would
   * enter everyone, so it is left out too; `ignored` hears why of each campaign left out.
   */
  entityRoutesFor(
    event: EntityEvent,
    ignored: (campaignId: string, reason: string) => void = () => {},
  ): PendingRoute[] {
    return this.triggered(event)
      .filter(({ definition }) => {
        const reason = entityEventRefusal(definition);
        if (reason) ignored(definition.id, reason);
        return reason === undefined;
      })
      .map((c): PendingRoute => ({ campaignId: c.definition.id, kind: 'fanOut' }));
  }

  private triggered(event: EntityEvent): LiveCampaign[] {
    return (this.triggeredBy.get(event.name) ?? []).filter(
      ({ definition }) =>
        mayReach(event, definition.id) &&
        (!definition.trigger.where || evaluateCondition(definition.trigger.where, { event })),
    );
  }
}

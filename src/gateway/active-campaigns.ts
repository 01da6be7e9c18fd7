import type { CampaignRepository } from '../db/campaigns';
import type { PendingRoute } from '../db/events';
import type { Campaign } from '../domain/campaign';
import { evaluateCondition } from '../domain/condition';
import type { JourneyEvent } from '../domain/event';
import { mayReach } from '../domain/system-events';

/**
 * The active campaigns, kept in memory and indexed by trigger event, so matching an event
 * costs no query. Refreshed when this gateway changes a campaign and on an interval, for
 * changes made through other gateways.
 */
function addTo(map: Map<string, Campaign[]>, key: string, campaign: Campaign): void {
  const list = map.get(key) ?? [];
  if (!list.includes(campaign)) list.push(campaign);
  map.set(key, list);
}

export class ActiveCampaigns {
  private byEvent = new Map<string, Campaign[]>();
  private listenersByEvent = new Map<string, Campaign[]>();
  private byId = new Map<string, Campaign>();

  constructor(private readonly repository: CampaignRepository) {}

  async refresh(): Promise<void> {
    const records = await this.repository.listActive();
    const byEvent = new Map<string, Campaign[]>();
    const listenersByEvent = new Map<string, Campaign[]>();
    const byId = new Map<string, Campaign>();
    for (const { definition } of records) {
      byId.set(definition.id, definition);
      addTo(byEvent, definition.trigger.event, definition);
      const awaited = definition.steps.flatMap((step) => (step.type === 'waitForEvent' ? [step.event] : []));
      const goal = definition.goal ? [definition.goal.event] : [];
      for (const name of [...definition.exitOn.map((f) => f.event), ...goal, ...awaited]) {
        // A trigger event already reaches the running journey through signalWithStart.
        if (name !== definition.trigger.event) addTo(listenersByEvent, name, definition);
      }
    }
    this.byEvent = byEvent;
    this.listenersByEvent = listenersByEvent;
    this.byId = byId;
  }

  get(id: string): Campaign | undefined {
    return this.byId.get(id);
  }

  /** What the event means to each campaign: a trigger, or news for its running journey (exit, awaited event). */
  routesFor(event: JourneyEvent): PendingRoute[] {
    const triggered = (this.byEvent.get(event.name) ?? []).filter(
      (c) => mayReach(event, c.id) && (!c.trigger.where || evaluateCondition(c.trigger.where, { event })),
    );
    const listening = (this.listenersByEvent.get(event.name) ?? []).filter((c) => mayReach(event, c.id));
    return [
      ...triggered.map((c): PendingRoute => ({ campaignId: c.id, kind: 'start' })),
      ...listening.map((c): PendingRoute => ({ campaignId: c.id, kind: 'signal' })),
    ];
  }
}

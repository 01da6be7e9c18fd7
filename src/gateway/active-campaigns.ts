import type { CampaignRepository } from '../db/campaigns';
import type { Campaign } from '../domain/campaign';
import { evaluateCondition } from '../domain/condition';
import type { JourneyEvent } from '../domain/event';

/**
 * The active campaigns, kept in memory and indexed by trigger event, so matching an event
 * costs no query. Refreshed when this gateway changes a campaign and on an interval, for
 * changes made through other gateways.
 */
export class ActiveCampaigns {
  private byEvent = new Map<string, Campaign[]>();
  private byId = new Map<string, Campaign>();

  constructor(private readonly repository: CampaignRepository) {}

  async refresh(): Promise<void> {
    const records = await this.repository.listActive();
    const byEvent = new Map<string, Campaign[]>();
    const byId = new Map<string, Campaign>();
    for (const { definition } of records) {
      byId.set(definition.id, definition);
      const list = byEvent.get(definition.trigger.event) ?? [];
      list.push(definition);
      byEvent.set(definition.trigger.event, list);
    }
    this.byEvent = byEvent;
    this.byId = byId;
  }

  get(id: string): Campaign | undefined {
    return this.byId.get(id);
  }

  /** Campaigns whose trigger this event fires; triggers read only the event (the schema ensures it). */
  matching(event: JourneyEvent): Campaign[] {
    const candidates = this.byEvent.get(event.name) ?? [];
    return candidates.filter((c) => !c.trigger.where || evaluateCondition(c.trigger.where, { event }));
  }
}

// hookway.* events feed connected campaigns. Each one is stored (a segment may count it), but
// only one that some live campaign reacts to goes through the outbox for the gateway to match:
// for the others that would be three writes and a sweep for nothing, several times a journey.
import type { CampaignRepository } from '../src/db/campaigns';
import type { EventRecord, EventRepository } from '../src/db/events';
import { heardEvents } from '../src/domain/heard-events';

export type SystemEvent = Omit<EventRecord, 'receivedAt' | 'pendingMatch'>;

export class SystemEventWriter {
  private heard = new Set<string>();
  private heardAtRevision = -1;

  constructor(private readonly deps: { campaigns: CampaignRepository; events: EventRepository }) {}

  /** Stores the event once; true when it was new. */
  async write(event: SystemEvent): Promise<boolean> {
    return this.deps.events.insertSystemEvent(event, (await this.heardNames()).has(event.name));
  }

  /**
   * The names live campaigns react to, read again whenever a campaign changed: a campaign
   * activated before this write hears it, as it would through the gateway's own matching.
   */
  private async heardNames(): Promise<Set<string>> {
    const revision = await this.deps.campaigns.liveRevision();
    if (revision !== this.heardAtRevision) {
      this.heard = heardEvents(await this.deps.campaigns.listLive());
      this.heardAtRevision = revision;
    }
    return this.heard;
  }
}

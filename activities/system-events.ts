// hookway.* events feed connected campaigns. Each one is stored (a segment may count it), but
// only one that some live campaign reacts to goes through the outbox for the gateway to match:
// for the others that would be three writes and a sweep for nothing, several times a journey.
//
// A journey announces three or more of them, each from its own activity, and every write costs
// a read of the campaigns' live revision, an `events` insert and a fold into the user's history.
// So the events handed over while a write is under way are written together afterwards (a group
// commit): one revision read and one insert for them all, their folds joined in one append.
import type { CampaignRepository } from '../src/db/campaigns';
import type { EventRecord, EventRepository } from '../src/db/events';
import { heardEvents } from '../src/domain/heard-events';

export type SystemEvent = Omit<EventRecord, 'receivedAt' | 'pendingMatch'>;

/**
 * How long the first event of a group waits for others. Every command costs the worker and the
 * database CPU, which bounds how many journeys a machine runs; most announcements come after
 * their webhooks, and an entry's is made while the first send check runs.
 */
const GROUP_WINDOW_MS = 20;

interface Waiting {
  event: SystemEvent;
  resolve: (fresh: boolean) => void;
  reject: (err: unknown) => void;
}

function settle(taken: Waiting[], fresh: boolean[], folded: boolean): void {
  taken.forEach((w, i) =>
    folded ? w.resolve(fresh[i]) : w.reject(new Error(`event ${w.event._id} could not be added to its user's history`)),
  );
}

export class SystemEventWriter {
  private heard = new Set<string>();
  private heardAtRevision = -1;
  private queue: Waiting[] = [];
  private writing = false;

  constructor(private readonly deps: { campaigns: CampaignRepository; events: EventRepository }) {}

  /** Stores the event once; true when it was new. Resolves once it is in its user's history. */
  write(event: SystemEvent): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      // A moment later, so that what other journeys announce meanwhile joins this write.
      setTimeout(() => void this.drain(), GROUP_WINDOW_MS);
    });
  }

  private async drain(): Promise<void> {
    for (let taken = this.queue.splice(0); taken.length > 0; taken = this.queue.splice(0)) {
      try {
        const events = taken.map((w) => w.event);
        const { fresh, fold } = await this.deps.events.storeSystemEvents(events, await this.heardNames());
        // The next group's insert need not wait for this one's fold: folds join on their own.
        void fold().then((folded) => settle(taken, fresh, folded));
      } catch (err) {
        for (const w of taken) w.reject(err);
      }
    }
    // Set in the same turn as the empty queue was seen, so a later write() starts a new drain.
    this.writing = false;
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

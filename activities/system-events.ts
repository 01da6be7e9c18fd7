// hookway.* events feed connected campaigns. Each one is stored (a segment may count it), but
// only one that some live campaign reacts to goes through the outbox for the gateway to match:
// for the others that would be three writes and a sweep for nothing, several times a journey.
//
// A journey announces three or more of them, each from its own activity, and every write costs
// a read of the campaigns' live revision, an `events` insert and a fold into the user's history.
// So the events handed over within a short while are written together (a group commit): one
// revision read and one insert for them all, their folds joined in one append.
import type { CampaignRepository } from '../src/db/campaigns';
import type { EventRecord, EventRepository } from '../src/db/events';
import { heardEvents } from '../src/domain/heard-events';

export type SystemEvent = Omit<EventRecord, 'receivedAt' | 'pendingMatch'>;

/**
 * How long an event may wait for others to share its write. Every command costs the worker and
 * the database CPU, which bounds how many journeys a machine runs. An entry is announced while
 * the first send check runs, so the first webhook waits for it: it waits least, like any event a
 * later step may wait for. A delivery's outcome and a journey's end come after the webhook; they
 * hold only the journey's next step (or its completion), so they wait long enough to join the
 * next entry's write at a few journeys a second.
 */
export const GROUP_PATIENCE_MS = { beforeSend: 20, afterSend: 150 } as const;
export type Patience = keyof typeof GROUP_PATIENCE_MS;

interface Waiting {
  event: SystemEvent;
  due: number;
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
  private timer?: { at: number; handle: NodeJS.Timeout };

  constructor(private readonly deps: { campaigns: CampaignRepository; events: EventRepository }) {}

  /**
   * Stores the event once; true when it was new. Resolves once it is in its user's history,
   * written with what else was announced before the first of them was due (`patience`).
   */
  write(event: SystemEvent, patience: Patience = 'beforeSend'): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, due: Date.now() + GROUP_PATIENCE_MS[patience], resolve, reject });
      this.schedule();
    });
  }

  /** Writes the queue when its first event is due; one group at a time. */
  private schedule(): void {
    if (this.writing || this.queue.length === 0) return;
    const due = this.queue.reduce((first, w) => Math.min(first, w.due), Infinity);
    if (this.timer && this.timer.at <= due) return;
    if (this.timer) clearTimeout(this.timer.handle);
    this.timer = { at: due, handle: setTimeout(() => void this.writeGroup(), Math.max(0, due - Date.now())) };
  }

  private async writeGroup(): Promise<void> {
    this.timer = undefined;
    this.writing = true;
    const taken = this.queue.splice(0);
    try {
      const events = taken.map((w) => w.event);
      const { fresh, fold } = await this.deps.events.storeSystemEvents(events, await this.heardNames());
      // The next group's insert need not wait for this one's fold: folds join on their own.
      void fold().then((folded) => settle(taken, fresh, folded));
    } catch (err) {
      for (const w of taken) w.reject(err);
    }
    this.writing = false;
    this.schedule();
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

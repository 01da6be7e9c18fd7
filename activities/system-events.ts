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
import { GroupCommit, type GroupWritten } from '../src/db/group-commit';
import { heardEvents } from '../src/domain/heard-events';

export type SystemEvent = Omit<EventRecord, 'receivedAt' | 'pendingMatch'>;

/**
 * How long an event may wait for others to share its write. Every command costs the worker and
 * the database CPU, which bounds how many journeys a machine runs. An entry announced while the
 * first send check runs in a local activity holds the first webhook: it waits least, like any
 * event a later step may wait for. A delivery's outcome and a journey's end come after the
 * webhook, and an entry whose activity makes the first attempt meanwhile (entry-and-send.ts) is
 * written while that goes out; they hold only the journey's next step (or its completion), so
 * they wait long enough to share one write, with other journeys' at a few journeys a second.
 */
export const GROUP_PATIENCE_MS = { beforeSend: 20, afterSend: 150 } as const;
export type Patience = keyof typeof GROUP_PATIENCE_MS;

export class SystemEventWriter {
  private heard = new Set<string>();
  private heardAtRevision = -1;
  private readonly groups = new GroupCommit<SystemEvent, boolean>((events) => this.writeGroup(events));

  constructor(private readonly deps: { campaigns: CampaignRepository; events: EventRepository }) {}

  /**
   * Stores the event once; true when it was new. Resolves once it is in its user's history,
   * written with what else was announced before the first of them was due (`patience`).
   */
  write(event: SystemEvent, patience: Patience = 'beforeSend'): Promise<boolean> {
    return this.groups.add(event, GROUP_PATIENCE_MS[patience]);
  }

  /** The next group's insert need not wait for this one's fold: folds join on their own. */
  private async writeGroup(events: SystemEvent[]): Promise<GroupWritten<boolean>> {
    const { fresh, fold } = await this.deps.events.storeSystemEvents(events, await this.heardNames());
    const results = fold().then((folded) => {
      if (!folded)
        throw new Error(`events ${events.map((e) => e._id).join(', ')} could not be added to their users' histories`);
      return fresh;
    });
    return { results };
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

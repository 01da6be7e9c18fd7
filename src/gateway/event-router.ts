import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Claims } from '../db/claims';
import type { EventRecord, EventRepository, PendingRoute, StoredEvents } from '../db/events';
import { GroupCommit } from '../db/group-commit';
import type { ProfileRepository } from '../db/profiles';
import { campaignGate } from '../domain/campaign-gate';
import { triggerHandOff } from '../domain/reentry';
import type { EventInput, JourneyEvent, Properties } from '../domain/event';
import type { Logger } from '../logger';
import { enterJourney, signalJourney } from '../temporal/journeys';
import type { ActiveCampaigns } from './active-campaigns';
import { handOffEntityEvent, isUserEvent, type UserEventRecord } from './entity-events';
import { HandOffsUnderWay } from './hand-offs-under-way';

export interface EventRouterDeps {
  events: EventRepository;
  claims: Claims;
  profiles: ProfileRepository;
  campaigns: ActiveCampaigns;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  sweepIntervalMs: number;
  /** The pace of the fan-outs entity events start. */
  fanOutEntriesPerSecond: number;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  ids: string[];
  /** Per event, in the order sent: stored now, or stored before (an id already seen, left unchanged). */
  results: Array<{ index: number; id: string; status: 'accepted' | 'duplicate' }>;
}

// Bounds how long a hand-off may hang while Temporal is unreachable; the outbox sweep retries.
const TEMPORAL_DEADLINE_MS = 10_000;
const ROUTE_CONCURRENCY = 16;
/**
 * A hand-off holds its event this long past its Temporal deadlines (one per route), for the
 * database writes around them; past it (a gateway died mid-way) another, or the same one
 * restarted, takes over. It bounds how long an event a killed gateway was routing waits: with a
 * fixed 60 s, that wait was most of the gateway-kill scenario's settling time.
 */
const ROUTE_LEASE_MARGIN_MS = 5_000;
const SWEEP_BATCH = 200;
/**
 * How long a request's day log entries, then a routed event's outbox entry, may wait to be
 * written with others' (one command for them all instead of one each): at most a quarter of
 * the sweep's interval each, so the sweep seldom meets an entry whose deletion is under way;
 * folding and routing one again would be harmless anyway.
 */
const PATIENCE_MS = 500;

function journeyEvent(record: UserEventRecord): JourneyEvent {
  return {
    id: record._id,
    name: record.name,
    userId: record.userId,
    timestamp: record.timestamp.toISOString(),
    properties: record.properties as Properties,
    ...(record.depth !== undefined && { depth: record.depth }),
  };
}

/** The routes an event owes: the campaigns a user event triggers or is heard by, or an entity event's fan-outs. */
function routesOf(campaigns: ActiveCampaigns, record: EventRecord, logger: Logger): PendingRoute[] {
  if (isUserEvent(record)) return campaigns.routesFor(journeyEvent(record));
  return campaigns.entityRoutesFor(record, (campaignId, reason) =>
    logger.warn({ eventId: record._id, event: record.name, campaignId, reason }, 'entity event ignored by a campaign'),
  );
}

/**
 * Stores events, then hands each to the journeys of the campaigns it triggers. The routes an
 * event still owes are kept on the stored event (an outbox), so an event answered 2xx is
 * routed even when Temporal is down at that moment: a periodic sweep retries them.
 */
export class EventRouter {
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;
  /** Hand-offs still running, so stop() can let them finish before the client closes. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Names this gateway's claims on events it is handing off. */
  private readonly holder = randomUUID();
  /** Claims this gateway could not release (the database was down): released before the next try. */
  private readonly stranded = new Set<string>();
  /** Routed events whose outbox entries are deleted together (group-commit.ts). */
  private readonly routed = new GroupCommit<string, void>(async (ids) => {
    await this.deps.events.markRouted(ids);
    return { results: Promise.resolve(ids.map(() => undefined)) };
  });
  private readonly patienceMs: number;
  private readonly underWay = new HandOffsUnderWay();

  constructor(private readonly deps: EventRouterDeps) {
    this.patienceMs = Math.min(PATIENCE_MS, deps.sweepIntervalMs / 4);
  }

  async ingest(inputs: EventInput[]): Promise<IngestResult> {
    const receivedAt = new Date();
    const records = inputs.map((input): EventRecord => {
      const record: EventRecord = {
        _id: input.id ?? `evt_${randomUUID()}`,
        userId: input.userId,
        name: input.name,
        properties: input.properties ?? {},
        timestamp: input.timestamp ? new Date(input.timestamp) : receivedAt,
        receivedAt,
      };
      const routes = routesOf(this.deps.campaigns, record, this.deps.logger);
      return routes.length > 0 ? { ...record, pendingRoutes: routes } : record;
    });
    // Both writes at once (one round trip less per request); journeys start only after both,
    // so the journeys these events start see the new properties.
    const [, { inserted, duplicates, foldInStages }] = await Promise.all([
      this.deps.profiles.merge(
        inputs.flatMap((input, i) =>
          input.userId === undefined
            ? []
            : [{ userId: input.userId, properties: input.userProperties ?? {}, seenAt: records[i].timestamp }],
        ),
      ),
      this.deps.events.insertNew(records),
    ]);
    const toRoute = inserted.filter((r) => r.pendingRoutes);
    this.track(
      this.underWay.during(
        toRoute.map((r) => r._id),
        this.foldThenRoute(foldInStages, toRoute),
      ),
    );
    const stored = new Set(inserted);
    const results = records.map((r, index) => ({
      index,
      id: r._id,
      status: stored.has(r) ? ('accepted' as const) : ('duplicate' as const),
    }));
    return { accepted: inserted.length, duplicates, ids: records.map((r) => r._id), results };
  }

  /**
   * Once answered: the events join their users' histories (with other requests' in one fold),
   * then are routed, so a journey's audience check counts the event that started it. Their day
   * log entries may follow (a group commit), and an event's outbox entry goes once both are
   * written. A hand-off that must be alone waits for the whole fold: handed off again by the
   * sweep, it would replace the journey it started. When the fold fails the sweep folds the
   * events, then routes them.
   */
  private async foldThenRoute(foldInStages: StoredEvents['foldInStages'], toRoute: EventRecord[]): Promise<void> {
    const alone = toRoute.some((r) => this.handedOffAlone(r));
    const { histories, done } = foldInStages(alone ? 0 : this.patienceMs);
    if (!(await (alone ? done : histories))) return;
    if (toRoute.length > 0) await this.routeAll(toRoute, done);
    // Held until the day logs too are written, so that stop() lets them finish.
    await done;
  }

  /** `folded`: whether the event is in its day log too, so its outbox entry may go. */
  private async route(record: EventRecord, folded: Promise<boolean>): Promise<void> {
    if (!this.handedOffAlone(record)) {
      await this.handOff(record);
      // Not awaited: the next hand-offs need not wait for the group. An entry left by a failed
      // fold or deletion is folded and routed again by the sweep, which such a hand-off allows.
      this.track(
        folded
          .then(async (inDayLog) => {
            if (inDayLog) await this.routed.add(record._id, this.patienceMs);
          })
          .catch((err: unknown) => this.deps.logger.warn({ err }, 'routed outbox entries not deleted; the sweep will')),
      );
      return;
    }
    const claim = `route:${record._id}`;
    if (this.stranded.has(claim)) {
      await this.deps.claims.release(claim, this.holder);
      this.stranded.delete(claim);
    }
    const handOffMs = TEMPORAL_DEADLINE_MS * Math.max(1, record.pendingRoutes?.length ?? 0);
    const lease = new Date(Date.now() + handOffMs + ROUTE_LEASE_MARGIN_MS);
    if (!(await this.deps.claims.claimOrTakeOver(claim, 'route', new Date(), lease, this.holder))) return;
    try {
      await this.handOff(record);
      await this.deps.events.markRouted([record._id]);
    } catch (err) {
      // Let the next sweep retry at once rather than after the lease. If the hand-off went
      // through but its record did not, handing off again is harmless: a journey ignores an
      // event it has seen and admits a trigger event once.
      await this.deps.claims.release(claim, this.holder).catch(() => this.stranded.add(claim));
      throw err;
    }
  }

  /**
   * Whether an event's hand-off must be the only one at a time, across this gateway's sweep and
   * every other gateway (a claim, one insert more). A `restart` campaign's start replaces the
   * running journey, so a second hand-off at once would end the run the first one started for
   * this very event; an entity event starts fan-outs. Any other hand-off may run twice: a
   * journey takes an event it has seen once and admits a trigger event once.
   */
  private handedOffAlone(record: EventRecord): boolean {
    if (!isUserEvent(record)) return true;
    return (record.pendingRoutes ?? []).some(({ campaignId, kind }) => {
      const live = this.deps.campaigns.get(campaignId);
      return kind === 'start' && live !== undefined && triggerHandOff(live.definition.reentry) === 'replace';
    });
  }

  private async handOff(record: EventRecord): Promise<void> {
    if (!isUserEvent(record))
      return this.deps.temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
        handOffEntityEvent(this.deps, record),
      );
    const event = journeyEvent(record);
    for (const { campaignId, kind } of record.pendingRoutes ?? []) {
      // A campaign paused or archived since the event arrived starts nothing.
      const live = this.deps.campaigns.get(campaignId);
      const gate = campaignGate(live?.status);
      if (!live || !(kind === 'start' ? gate.start : gate.signal)) continue;
      await this.deps.temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
        kind === 'start'
          ? enterJourney(this.deps.temporal, this.deps.taskQueue, live.definition, live.version, event)
          : signalJourney(this.deps.temporal, live.definition, event),
      );
    }
  }

  /**
   * Routes what it can; an event whose hand-off fails stays in the outbox for the next sweep.
   * When a whole group fails (Temporal is down), the rest waits for the next sweep too: trying
   * each would only churn claims in the database that event posts need.
   */
  private async routeAll(records: EventRecord[], folded = Promise.resolve(true)): Promise<void> {
    let failed = 0;
    let lastError: unknown;
    for (let i = 0; i < records.length; i += ROUTE_CONCURRENCY) {
      const results = await Promise.allSettled(
        records.slice(i, i + ROUTE_CONCURRENCY).map((r) => this.route(r, folded)),
      );
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      failed += rejected.length;
      lastError = rejected.at(-1)?.reason ?? lastError;
      if (rejected.length === results.length) {
        failed += records.length - i - results.length;
        break;
      }
    }
    if (failed > 0) this.deps.logger.warn({ failed, err: lastError }, 'routing deferred to the outbox sweep');
  }

  /** Routes events whose hand-off did not finish: Temporal was down, or the gateway died. */
  async sweep(): Promise<number> {
    // Only events old enough that their own fold and hand-off should have finished.
    const cutoff = new Date(Date.now() - this.deps.sweepIntervalMs);
    // Histories first, so that an event routed below is counted by the audience check it triggers.
    const folded = await this.deps.events.foldStaleHistory(cutoff);
    if (folded > 0) this.deps.logger.info({ records: folded }, 'outbox sweep folded event histories left behind');
    // System events that workers wrote are matched here, where the active campaigns are known.
    const unmatched = await this.deps.events.findPendingMatch(SWEEP_BATCH);
    const matched: EventRecord[] = [];
    for (const record of unmatched) {
      const routes = routesOf(this.deps.campaigns, record, this.deps.logger);
      await this.deps.events.setRoutes(record._id, routes);
      if (routes.length > 0) matched.push({ ...record, pendingRoutes: routes });
    }
    // Taken before the read: an entry deleted between the two would otherwise look left behind.
    const ours = new Set([...this.underWay.list(), ...this.routed.waiting()]);
    const pending = await this.deps.events.findPendingRoutes(cutoff, SWEEP_BATCH);
    const fresh = pending.filter((p) => !matched.some((m) => m._id === p._id) && !ours.has(p._id));
    // An outbox entry means "fold, then route": its gateway may have died before the fold, or
    // the fold failed. (`matched` are workers' system events, folded before their activities return.)
    await this.deps.events.foldLeftInOutbox(fresh);
    await this.routeAll([...matched, ...fresh]);
    return matched.length + fresh.length;
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  startSweeping(): void {
    this.sweepTimer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = true;
      this.track(
        this.sweep()
          .then((n) => void (n > 0 && this.deps.logger.info({ routed: n }, 'outbox sweep routed events')))
          .catch((err) => this.deps.logger.warn({ err }, 'outbox sweep failed; will retry'))
          .finally(() => (this.sweeping = false)),
      );
    }, this.deps.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** Stops sweeping and waits for running hand-offs; what they leave undone stays in the outbox. */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    await Promise.allSettled([...this.inFlight]);
  }
}

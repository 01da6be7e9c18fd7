import type { Connection } from 'mongoose';
import { isDuplicateKey } from './duplicate-key';
import { dayEnd, dayOf, LANES, type DayItem, type EventDays } from './event-days';
import type { EventHistory } from './event-history';
import { mapInGroups } from './in-groups';

/**
 * The retention purge, over the day logs (event-days.ts) instead of a search of `events` by
 * timestamp, which FerretDB on SQLite answers by reading the whole collection. One document
 * (collection `event_retention`, written only by the purge) lists the days whose logs still
 * hold events, with how far each lane was walked, the earliest timestamp still kept among what
 * was walked (`floor`) and the horizon applied to it (`before`). Days are added by the calendar
 * (logs are written on the writer's day, so no day can appear out of the blue), plus those the
 * start-up migration logged. A run walks, per day, only the entries not walked yet, or all of
 * them again once `floor` passed the horizon; a day over (and settled) whose kept events are all
 * gone, or that never had any, has its logs deleted (marked first, so a run cut short finishes
 * the deletion without a walk: a half-deleted log could not be walked) and leaves the list, and a day over whose
 * floor is still ahead of the horizon costs no read.
 *
 * For what it walks: the users' histories first (an event deleted from `events` is not found
 * again to purge its history), then the events by _id, each counted by what its delete
 * removed; the document is saved after each day. A run killed at any point and run again
 * walks what it had not saved, and the deletes it repeats count nothing.
 */

interface DayState {
  day: string;
  /** Per lane, the entries walked. */
  next: number[];
  /** The earliest timestamp among the walked items still kept; absent when none is. */
  floor?: Date;
  /** The walked items timestamped before this were deleted. */
  before?: Date;
  /** Walked after the day's logs were complete: only `floor` passing the horizon brings news. */
  complete?: boolean;
  /** Complete with nothing kept: its logs are being deleted (`next` entries per lane). */
  dropping?: boolean;
}

interface State {
  _id: string;
  /** The last day added by the calendar. */
  through: string;
  days: DayState[];
}

/** What one run carries across days. */
interface Run {
  before: Date;
  now: Date;
  deleted: number;
  /** Users whose histories this run purged already. */
  users: Set<string>;
}

const STATE_ID = 'state';
const DAY_MS = 86_400_000;
/** A day's logs are complete this long after it ended: a writer's clock or a slow append may lag. */
const SETTLE_MS = DAY_MS;
/** Items purged together. */
const PAGE = 2_000;
/** Deletes (and users' histories purged) at once. */
const CONCURRENCY = 16;

const fresh = (day: string): DayState => ({ day, next: Array<number>(LANES).fill(0) });
const nextDay = (day: string) => dayOf(dayEnd(day));

export class EventRetention {
  constructor(
    private readonly connection: Connection,
    private readonly days: EventDays,
    private readonly history: EventHistory,
    /** Deletes one event by _id; returns how many were deleted (0 or 1). */
    private readonly deleteEvent: (id: string) => Promise<number>,
  ) {}

  private get states() {
    return this.connection.collection<State>('event_retention');
  }

  /**
   * Starts the list before any event is logged on a day (the migration calls it, with the days
   * it logged events on); the first call stands. The calendar starts the day before, for clocks
   * running behind.
   */
  async begin(days: string[], now: Date): Promise<void> {
    try {
      await this.states.insertOne({
        _id: STATE_ID,
        through: dayOf(new Date(now.getTime() - DAY_MS)),
        days: days.map(fresh),
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Deletes the events timestamped before `before`, from their users' histories too; returns how many. */
  async purge(before: Date, now: Date): Promise<number> {
    const state = await this.load(now);
    const run: Run = { before, now, deleted: 0, users: new Set() };
    for (const listed of [...state.days]) {
      let day = listed;
      if (!day.dropping) {
        if (day.complete && day.floor !== undefined && day.floor >= before) continue;
        day = await this.purgeDay(listed, run);
        state.days = state.days.map((d) => (d === listed ? day : d));
        await this.save(state);
      }
      if (!day.dropping) continue;
      // Saved first, so a run cut short deletes the rest of these logs without walking them.
      for (let lane = 0; lane < LANES; lane++) await this.days.drop(day.day, lane, day.next[lane], CONCURRENCY);
      state.days = state.days.filter((d) => d !== day);
      await this.save(state);
    }
    return run.deleted;
  }

  /** The list, with the days up to today added (saved). */
  private async load(now: Date): Promise<State> {
    const state = (await this.states.findOne({ _id: STATE_ID })) ?? {
      _id: STATE_ID,
      through: dayOf(new Date(now.getTime() - DAY_MS)),
      days: [],
    };
    const listed = new Set(state.days.map((d) => d.day));
    const today = dayOf(now);
    if (state.through >= today) return state;
    for (let day = nextDay(state.through); day <= today; day = nextDay(day))
      if (!listed.has(day)) state.days.push(fresh(day));
    state.through = today;
    await this.save(state);
    return state;
  }

  private async save(state: State): Promise<void> {
    await this.states.replaceOne({ _id: STATE_ID }, state, { upsert: true });
  }

  /** Walks a day's logs and purges what is due; returns what the walk leaves to know. */
  private async purgeDay(state: DayState, run: Run): Promise<DayState> {
    const complete = run.now.getTime() >= dayEnd(state.day).getTime() + SETTLE_MS;
    const again = state.floor !== undefined && state.floor < run.before;
    let floor = again ? undefined : state.floor;
    const next = again ? state.next.map(() => 0) : [...state.next];
    let page: DayItem[] = [];
    for (let lane = 0; lane < LANES; lane++) {
      for await (const entry of this.days.entries(state.day, lane, next[lane])) {
        // Items walked before and timestamped before that walk's horizon were deleted then.
        const gone = entry.seq < state.next[lane] ? state.before : undefined;
        for (const item of entry.ids) {
          if (item.at >= run.before) floor = floor === undefined || item.at < floor ? item.at : floor;
          else if (gone === undefined || item.at >= gone) page.push(item);
        }
        next[lane] = entry.seq + 1;
        if (page.length < PAGE) continue;
        await this.purgeItems(page, run);
        page = [];
      }
    }
    await this.purgeItems(page, run);
    // Unset fields are left out: the driver would store undefined as null.
    return {
      day: state.day,
      next,
      ...(floor && { floor }),
      before: run.before,
      complete,
      ...(complete && !floor && { dropping: true }),
    };
  }

  private async purgeItems(items: DayItem[], run: Run): Promise<void> {
    const users = [
      ...new Set(items.flatMap((i) => (i.userId === undefined || run.users.has(i.userId) ? [] : [i.userId]))),
    ];
    await mapInGroups(users, CONCURRENCY, (userId) => this.history.purge(userId, run.before));
    for (const userId of users) run.users.add(userId);
    const deleted = await mapInGroups([...new Set(items.map((i) => i.id))], CONCURRENCY, this.deleteEvent);
    run.deleted += deleted.reduce((sum, n) => sum + n, 0);
  }
}

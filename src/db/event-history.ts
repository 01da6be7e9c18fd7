import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { HistoryEvent } from '../domain/behaviour';
import { isDuplicateKey } from './duplicate-key';
import { GuessOutcomes } from './guess-outcomes';
import { duplicateIndexes, insertOnce } from './insert-new';
import { decodeStored, encodeStored } from './stored-value';

/**
 * Each user's events, kept beside the `events` collection so that everything asking about one
 * user (behavioural audience terms, the user view) reads that user's records only: FerretDB on
 * SQLite uses an index for a filter of exactly { _id } and scans the whole collection for any
 * other, and `events` grows with all traffic. Every read and write here names a single _id.
 *
 * A user's history is a numbered log like the send log's: entry n ("<n>:<userId>") holds the
 * open chunk (the latest events, up to CHUNK_EVENTS) and references to the sealed chunks
 * ("chunk:<userId>:<uuid>", written once, each with its time span, so a reader skips those
 * outside its window). A change reads the last entry and inserts entry n+1; only one insert of
 * an _id succeeds (FerretDB's conditional updates are not atomic), so of two concurrent changes
 * one lands and the other reads again. A superseded entry is emptied, not deleted: a deleted
 * _id could be inserted again by a writer that read an older entry, and its events would be
 * lost. The head ("head:<userId>", a hint written after the entry) points near the last entry,
 * and a reader walks forward from it.
 *
 * An event may be appended twice (a client retrying a post; the start-up migration racing new
 * posts): readers count each event id once.
 */

/** Events in one chunk: bounds what a new entry copies and what a reader decodes per record. */
const CHUNK_EVENTS = 100;
/** Each lost race means another change landed for the same user. */
const MAX_TRIES = 200;
/** Entries walked past from a head left behind by writes that never finished. */
const MAX_WALK = 1_000;
/** Marks that events stored before histories existed were copied into them (EventRepository.migrateToHistory). */
const MIGRATION_MARK = 'migrated:events';
/** Users whose first reads (head and first entries) one command joins: 7 _ids each. */
const READ_GROUP = 64;
/** Users one append writes together: their new entries in one insert, the entries they supersede emptied in bulk. */
const APPEND_GROUP = 500;
/** Replacements per command; FerretDB stalls on commands with many statements. */
const REPLACE_GROUP = 50;
/** A change moves the head once the last entry is this far past it (a reader walks at most this far). */
const HEAD_LAG = 4;
/** Entries a reader reads at once from where the head points: the last is normally among them. */
const READ_AHEAD = HEAD_LAG + 2;
/** Users whose last entry this process remembers (those it appended to latest)... */
const REMEMBERED_USERS = 20_000;
/** ...and the events those entries may hold together, which bounds the memory they take (tens of MB). */
const REMEMBERED_EVENTS = 100_000;

interface ChunkRef {
  id: string;
  first: Date;
  last: Date;
}

interface Entry {
  _id: string;
  userId: string;
  seq: number;
  events: HistoryEvent[];
  chunks: ChunkRef[];
  /** Set by the retention purge: events before it are gone, also from chunks still referenced. */
  purgedBefore?: Date;
  /** Set once a later entry exists; its content is then dropped. */
  superseded?: boolean;
}

interface Chunk {
  _id: string;
  userId: string;
  events: HistoryEvent[];
}

interface Head {
  _id: string;
  seq: number;
}

type Stored = Entry | Chunk | Head;

/** What a change makes of the last entry: the new entry's content and the chunks it seals; undefined for no change. */
type Change = (
  last: Entry | null,
) => { entry: Omit<Entry, '_id' | 'userId' | 'seq'>; sealed: Chunk[]; dropped: string[] } | undefined;

/** The one place events enter history records (properties in their stored form). */
export function historyEventOf(event: {
  _id: string;
  name: string;
  timestamp: Date;
  properties: Record<string, unknown>;
}): HistoryEvent {
  return { id: event._id, name: event.name, timestamp: event.timestamp, properties: encodeStored(event.properties) };
}

/** A history event with the user it belongs to. */
export type UserHistoryEvent = HistoryEvent & { userId: string };

/** The user events among these, in history form; events without a user are skipped. */
export function userHistoryEvents(
  events: Array<Parameters<typeof historyEventOf>[0] & { userId?: string }>,
): UserHistoryEvent[] {
  return events.flatMap((e) => (e.userId === undefined ? [] : [{ userId: e.userId, ...historyEventOf(e) }]));
}

/** The one place events leave history records. */
function readEvent(stored: HistoryEvent): HistoryEvent {
  return {
    id: stored.id,
    name: stored.name,
    timestamp: new Date(stored.timestamp),
    properties: decodeStored(stored.properties ?? {}),
  };
}

function span(events: HistoryEvent[]): { first: Date; last: Date } {
  const times = events.map((e) => e.timestamp.getTime());
  return { first: new Date(Math.min(...times)), last: new Date(Math.max(...times)) };
}

/** Adds events to the open chunk, sealing it (and further chunks) each time it fills. */
function appending(userId: string, added: HistoryEvent[]): Change {
  return (last) => {
    const open = last?.events ?? [];
    const known = new Set(open.map((e) => e.id));
    const fresh = added.filter((e) => !known.has(e.id));
    if (fresh.length === 0) return undefined;
    let events = [...open];
    const sealed: Chunk[] = [];
    for (const event of fresh) {
      if (events.length >= CHUNK_EVENTS) {
        sealed.push({ _id: `chunk:${userId}:${randomUUID()}`, userId, events });
        events = [];
      }
      events.push(event);
    }
    const refs = sealed.map((c) => ({ id: c._id, ...span(c.events) }));
    return {
      entry: {
        events,
        chunks: [...(last?.chunks ?? []), ...refs],
        ...(last?.purgedBefore && { purgedBefore: last.purgedBefore }),
      },
      sealed,
      dropped: [],
    };
  };
}

/** Forgets events before `before`: chunks entirely older are deleted, the rest filtered when read. */
function purging(before: Date): Change {
  return (last) => {
    if (!last || (last.purgedBefore && last.purgedBefore >= before)) return undefined;
    const kept = last.chunks.filter((c) => c.last >= before);
    const dropped = last.chunks.filter((c) => c.last < before).map((c) => c.id);
    return {
      entry: { events: last.events.filter((e) => e.timestamp >= before), chunks: kept, purgedBefore: before },
      sealed: [],
      dropped,
    };
  };
}

/** The user's last entry, and the entry its head pointed at when read. */
interface Found {
  last: Entry | null;
  head: number;
}

/** A change decided on a user's last entry: the entry to insert and what to do once it landed. */
interface Planned {
  userId: string;
  found: Found;
  entry: Entry;
  sealed: Chunk[];
  dropped: string[];
}

function plan(userId: string, found: Found, decide: Change): Planned | undefined {
  const decided = decide(found.last);
  if (!decided) return undefined;
  const seq = (found.last?.seq ?? -1) + 1;
  return {
    userId,
    found,
    entry: { _id: `${seq}:${userId}`, userId, seq, ...decided.entry },
    sealed: decided.sealed,
    dropped: decided.dropped,
  };
}

export class EventHistory {
  /** Each remembered user's last entry and where its head points, as this process wrote them. */
  private readonly known = new Map<string, { entry: Entry; head: number }>();
  /** Events held by the remembered entries. */
  private knownEvents = 0;
  /**
   * Whether to guess an empty history for users this process does not remember: the gateway
   * mostly appends a new user's first event, so a guess lands and saves the reads; a worker
   * appends to users whose trigger event the gateway wrote first, so its guesses lose.
   */
  private readonly guesses = new GuessOutcomes();

  constructor(private readonly connection: Connection) {}

  private get records() {
    return this.connection.collection<Stored>('event_history');
  }

  private async byId<T extends Stored>(id: string): Promise<T | null> {
    return (await this.records.findOne({ _id: id })) as T | null;
  }

  /**
   * Adds user events to their users' histories; events without a user are skipped. Many users'
   * changes are written together: their new entries inserted in one command and the entries
   * they supersede emptied in bulk. Each is first decided without a read, on the last entry
   * this process wrote for the user, or for a user it does not remember on an empty history
   * (entry 0) unless such guesses mostly lost lately, when that user's last entry is read
   * first (GuessOutcomes). Entry numbers have no gaps and an _id is inserted once, so a wrong
   * guess (another writer appended meanwhile, or the history existed) loses its insert: those
   * users' last entries are then read and their changes written together again; a user losing
   * once more is changed on its own.
   */
  async append(events: Array<Parameters<typeof historyEventOf>[0] & { userId?: string }>): Promise<void> {
    await this.appendAll(userHistoryEvents(events));
  }

  /** As append, for events already in history form (history-outbox.ts keeps them so). */
  async appendAll(events: UserHistoryEvent[]): Promise<void> {
    const byUser = new Map<string, HistoryEvent[]>();
    for (const { userId, ...event } of events) {
      const list = byUser.get(userId) ?? [];
      list.push(event);
      byUser.set(userId, list);
    }
    const users = [...byUser];
    for (let i = 0; i < users.length; i += APPEND_GROUP) {
      const guessedWrong = await this.appendFirst(users.slice(i, i + APPEND_GROUP));
      const lostAgain = await this.appendTogether(guessedWrong, (userIds) => this.foundAll(userIds));
      await Promise.all(lostAgain.map(([userId, added]) => this.change(userId, appending(userId, added))));
    }
  }

  /**
   * The first try of an append: each user's change decided on the entry remembered, or for a
   * user not remembered on a guessed empty history while such guesses mostly land here, else on
   * its last entry read. Returns the users whose inserts lost.
   */
  private async appendFirst(users: Array<[string, HistoryEvent[]]>): Promise<Array<[string, HistoryEvent[]]>> {
    const guessing = this.guesses.worthGuessing();
    const guessed = users.map(([userId]) => userId).filter((userId) => guessing && !this.known.has(userId));
    const guessedWrong = await this.appendTogether(users, (userIds) => this.rememberedOrRead(userIds, guessing));
    const lost = new Set(guessedWrong.map(([userId]) => userId));
    for (const userId of guessed) this.guesses.record(lost.has(userId));
    return guessedWrong;
  }

  /**
   * Each user's last entry as remembered or guessed, or for users not remembered while guesses
   * mostly lose, read (in one command for them all), noting how a guess would have fared.
   */
  private async rememberedOrRead(userIds: string[], guessing: boolean): Promise<Found[]> {
    const toRead = userIds.filter((userId) => !guessing && !this.known.has(userId));
    const read = new Map((await this.foundAll(toRead)).map((found, k) => [toRead[k], found]));
    for (const found of read.values()) this.guesses.record(found.last !== null);
    return userIds.map((userId) => read.get(userId) ?? this.remembered(userId));
  }

  /**
   * Decides each user's append on the last entry `lastOf` tells, and writes them together;
   * returns the users whose new entry another's took the place of.
   */
  private async appendTogether(
    users: Array<[string, HistoryEvent[]]>,
    lastOf: (userIds: string[]) => Promise<Found[]>,
  ): Promise<Array<[string, HistoryEvent[]]>> {
    if (users.length === 0) return [];
    const found = await lastOf(users.map(([userId]) => userId));
    const planned = users.flatMap((user, k) => {
      const decided = plan(user[0], found[k], appending(user[0], user[1]));
      return decided ? [{ user, decided }] : [];
    });
    const lost = await this.insertEntries(planned.map((p) => p.decided));
    await this.landed(planned.filter((_, k) => !lost.has(k)).map((p) => p.decided));
    return planned.filter((_, k) => lost.has(k)).map((p) => p.user);
  }

  /** Whether events stored before histories existed were copied into them. */
  async migrated(): Promise<boolean> {
    return (await this.byId(MIGRATION_MARK)) !== null;
  }

  /** Several processes may finish the migration at once: the first mark stands. */
  async markMigrated(): Promise<void> {
    await insertOnce(this.records, { _id: MIGRATION_MARK, seq: 0 });
  }

  /** Forgets a user's events that happened before `before`. */
  async purge(userId: string, before: Date): Promise<void> {
    await this.change(userId, purging(before));
  }

  /** The user's events that happened at or after `since` (ms since the epoch), in no particular order. */
  async since(userId: string, since: number): Promise<HistoryEvent[]> {
    const last = await this.last(userId);
    if (!last) return [];
    const chunks = await Promise.all(
      last.chunks.filter((c) => c.last.getTime() >= since).map((c) => this.chunkEvents(c)),
    );
    const floor = Math.max(since, last.purgedBefore?.getTime() ?? -Infinity);
    return [...last.events.map(readEvent), ...chunks.flat()].filter((e) => e.timestamp.getTime() >= floor);
  }

  /** The user's latest `limit` events, latest first, each once. */
  async recent(userId: string, limit: number): Promise<HistoryEvent[]> {
    const last = await this.last(userId);
    if (!last) return [];
    const floor = last.purgedBefore?.getTime() ?? -Infinity;
    const byId = new Map(last.events.map((e) => [e.id, readEvent(e)]));
    const latestFirst = (events: HistoryEvent[]) =>
      [...events].sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime());
    const kept = () => latestFirst([...byId.values()].filter((e) => e.timestamp.getTime() >= floor));
    // Chunks latest first, until the next one ends before the limit-th latest event found.
    for (const ref of [...last.chunks].sort((a, b) => b.last.getTime() - a.last.getTime())) {
      const found = kept();
      if (found.length >= limit && found[limit - 1].timestamp >= ref.last) break;
      for (const e of await this.chunkEvents(ref)) if (!byId.has(e.id)) byId.set(e.id, e);
    }
    return kept().slice(0, limit);
  }

  private async chunkEvents(ref: ChunkRef): Promise<HistoryEvent[]> {
    // A chunk is deleted only once all its events passed the retention horizon, after the
    // entry that dropped it landed; a reader of the entry before sees the same as of after.
    const chunk = await this.byId<Chunk>(ref.id);
    return chunk ? chunk.events.map(readEvent) : [];
  }

  /** Decides on the last entry and appends the entry decided, deciding again on a lost race. */
  private async change(userId: string, decide: Change): Promise<void> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const planned = plan(userId, await this.found(userId), decide);
      if (!planned) return;
      if ((await this.insertEntries([planned])).size === 0) return this.landed([planned]);
    }
    throw new Error(
      `could not change the event history of user ${userId}: ${MAX_TRIES} concurrent changes won the race`,
    );
  }

  /**
   * Inserts the planned entries (and the chunks they seal first); returns the indexes of those
   * another writer's entry took the place of, whose sealed chunks are deleted again.
   */
  private async insertEntries(planned: Planned[]): Promise<Set<number>> {
    if (planned.length === 0) return new Set();
    const sealed = planned.flatMap((p) => p.sealed);
    if (sealed.length > 0) await this.records.insertMany(sealed);
    let lost = new Set<number>();
    try {
      await this.records.insertMany(
        planned.map((p) => p.entry),
        { ordered: false },
      );
    } catch (err) {
      lost = duplicateIndexes(err);
    }
    const orphans = planned.filter((_, k) => lost.has(k)).flatMap((p) => p.sealed.map((c) => c._id));
    await Promise.all(orphans.map((id) => this.records.deleteOne({ _id: id })));
    return lost;
  }

  /**
   * After entries landed: each head moved when its reader would walk far, the entries they
   * supersede emptied, chunks dropped by a purge deleted. A reader without a head starts at entry
   * 0, so a short history costs no head (an upsert, FerretDB's slowest write).
   */
  private async landed(planned: Planned[]): Promise<void> {
    const superseded = planned.flatMap(({ found: { last } }) =>
      last
        ? [
            {
              replaceOne: {
                filter: { _id: last._id },
                replacement: { userId: last.userId, seq: last.seq, events: [], chunks: [], superseded: true },
              },
            },
          ]
        : [],
    );
    const moved = planned.filter((p) => p.entry.seq - p.found.head >= HEAD_LAG);
    const headMoved = new Set(moved);
    for (const p of planned) this.remember(p.entry, headMoved.has(p) ? p.entry.seq : p.found.head);
    await Promise.all(planned.flatMap((p) => p.dropped.map((id) => this.records.deleteOne({ _id: id }))));
    for (let i = 0; i < Math.max(superseded.length, moved.length); i += REPLACE_GROUP)
      await Promise.all([
        superseded.length > i && this.records.bulkWrite(superseded.slice(i, i + REPLACE_GROUP), { ordered: false }),
        this.moveHeads(moved.slice(i, i + REPLACE_GROUP).map((p) => ({ userId: p.userId, seq: p.entry.seq }))),
      ]);
  }

  /** $max: a head moved by a later change stays there. Not atomic on FerretDB, which only makes it staler. */
  private async moveHeads(moves: Array<{ userId: string; seq: number }>): Promise<void> {
    if (moves.length === 0) return;
    const upsert = ({ userId, seq }: { userId: string; seq: number }) => ({
      updateOne: { filter: { _id: `head:${userId}` }, update: { $max: { seq } }, upsert: true },
    });
    try {
      await this.records.bulkWrite(moves.map(upsert), { ordered: false });
    } catch (err) {
      const raced = duplicateIndexes(err);
      await Promise.all(moves.filter((_, k) => raced.has(k)).map((m) => this.moveHead(m.userId, m.seq)));
    }
  }

  /** Remembers the user's last entry as this process wrote it, forgetting the users written to longest ago. */
  private remember(entry: Entry, head: number): void {
    this.forget(entry.userId);
    this.known.set(entry.userId, { entry, head });
    this.knownEvents += entry.events.length;
    while (this.known.size > REMEMBERED_USERS || this.knownEvents > REMEMBERED_EVENTS)
      this.forget(this.known.keys().next().value!);
  }

  private forget(userId: string): void {
    this.knownEvents -= this.known.get(userId)?.entry.events.length ?? 0;
    this.known.delete(userId);
  }

  /**
   * The user's last entry as this process last wrote it, or none for a user it does not
   * remember: a guess, without a read. A change decided on a wrong guess loses its insert.
   */
  private remembered(userId: string): Found {
    const known = this.known.get(userId);
    return known ? { last: known.entry, head: known.head } : { last: null, head: 0 };
  }

  /** Two first upserts of one head race on FerretDB (a duplicate key); the loser's update then finds it. */
  private async moveHead(userId: string, seq: number): Promise<void> {
    const move = () => this.records.updateOne({ _id: `head:${userId}` }, { $max: { seq } }, { upsert: true });
    try {
      await move();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await move();
    }
  }

  /** The user's last entry, or null when the history is empty. */
  private async last(userId: string): Promise<Entry | null> {
    return (await this.found(userId)).last;
  }

  /**
   * The user's last entry and where its head pointed. The head points at or before it (it is
   * written after its entry), so the reader walks forward from there while a next entry exists;
   * a superseded entry always has one, even if it was not there when first looked at. Entries
   * are read READ_AHEAD at a time, and the first read takes the head with the entries from 0:
   * a short history (no head yet) costs one command, a longer one two.
   */
  private async found(userId: string, firstRead?: Window): Promise<Found> {
    const headId = `head:${userId}`;
    const first = firstRead ?? (await this.window(userId, 0, [headId]));
    const head = (first.docs.get(headId) as Head | undefined)?.seq ?? 0;
    let window = head === 0 ? first : await this.window(userId, head);
    let found = window.entry(head);
    if (!found) return { last: null, head };
    for (let walked = 0; ; walked++) {
      if (walked === MAX_WALK)
        throw new Error(`the event history of user ${userId} ends more than ${MAX_WALK} entries after its head`);
      for (let next = window.entry(found.seq + 1); next; next = window.entry(found.seq + 1)) found = next;
      // The last once the entry after it was looked for and is not there, unless it is superseded.
      if (found.seq + 1 < window.end && !found.superseded) return { last: found, head };
      window = await this.window(userId, found.seq + 1);
    }
  }

  /**
   * found() for many users: their first reads (the head and the entries from 0) joined in one
   * command per READ_GROUP users, as the histories a worker appends its system events to are
   * mostly short; a user whose history is longer reads on from there alone.
   */
  private async foundAll(userIds: string[]): Promise<Found[]> {
    const found: Found[] = [];
    for (let i = 0; i < userIds.length; i += READ_GROUP) {
      const group = userIds.slice(i, i + READ_GROUP);
      const docs = await this.readIds(group.flatMap((userId) => [`head:${userId}`, ...windowIds(userId, 0)]));
      found.push(...(await Promise.all(group.map((userId) => this.found(userId, windowOf(docs, userId, 0))))));
    }
    return found;
  }

  /** READ_AHEAD entries from `from` on, and the `others` named, by _id in one command. */
  private async window(userId: string, from: number, others: string[] = []): Promise<Window> {
    return windowOf(await this.readIds([...others, ...windowIds(userId, from)]), userId, from);
  }

  private async readIds(ids: string[]): Promise<Map<string, Stored>> {
    if (ids.length === 0) return new Map();
    return new Map((await this.records.find({ _id: { $in: ids } }).toArray()).map((d) => [d._id, d]));
  }
}

/** What one read of a user's entries from `from` on found: the entries, and the other documents read with them. */
interface Window {
  docs: Map<string, Stored>;
  end: number;
  entry: (seq: number) => Entry | undefined;
}

function windowIds(userId: string, from: number): string[] {
  return Array.from({ length: READ_AHEAD }, (_, k) => `${from + k}:${userId}`);
}

function windowOf(docs: Map<string, Stored>, userId: string, from: number): Window {
  return {
    docs,
    end: from + READ_AHEAD,
    entry: (seq: number) => docs.get(`${seq}:${userId}`) as Entry | undefined,
  };
}

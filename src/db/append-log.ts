import type { Collection, UpdateFilter } from 'mongodb';
import { isDuplicateKey } from './duplicate-key';

/**
 * Named logs of id lists, every read and write by a single _id (FerretDB on SQLite uses an
 * index for a filter of exactly { _id } and scans the whole collection for any other). Entry n
 * of log L is "<L>#<n>", written once with its ids and the running count of ids logged up to
 * it; only one insert of an _id succeeds, so of two concurrent appends one takes entry n and the
 * other n+1. Entries are never deleted while the log may be appended to: a missing entry n means
 * the log has n entries. The head "<L>#head" is a hint at or before the last entry, moved when a
 * reader walked far past it. The ids are strings, or records for logs that need more per item.
 */

export interface LogEntry<T = string> {
  _id: string;
  seq: number;
  ids: T[];
  /** Ids logged up to and including this entry (before any were taken back by `retract`). */
  upTo: number;
}

interface Head {
  _id: string;
  seq: number;
}

/** How many ids `retract` took back out of a log's entries ("<L>#retracted"). */
interface Retracted {
  _id: string;
  count: number;
}

/** What a log's collection holds. */
export type LogDocument<T = string> = LogEntry<T> | Head | Retracted;

/** A reader that walked this many entries past the head moves it. */
const HEAD_LAG = 4;
/** Each lost race means another append landed on the same log. */
const MAX_TRIES = 200;

export class AppendLog<T = string> {
  /** The last entry this process saw of each log: its next append tries the entry after it first. */
  private readonly hints = new Map<string, LogEntry<T>>();
  /** The retraction written last (see retract). */
  private retracting: Promise<void> = Promise.resolve();

  /** `remember`: keep a hint per log, for a few logs appended to often (not one per user). */
  constructor(
    private readonly records: Collection<LogDocument<T>>,
    private readonly remember: boolean,
  ) {}

  private hint(log: string, entry: LogEntry<T>): void {
    if (this.remember) this.hints.set(log, entry);
  }

  entry(log: string, seq: number): Promise<LogEntry<T> | null> {
    return this.records.findOne({ _id: `${log}#${seq}` }) as Promise<LogEntry<T> | null>;
  }

  /** The log's last entry, or null while it is empty. */
  async last(log: string): Promise<LogEntry<T> | null> {
    const head = (await this.records.findOne({ _id: `${log}#head` })) as Head | null;
    const from = head?.seq ?? 0;
    let [found, next] = await Promise.all([this.entry(log, from), this.entry(log, from + 1)]);
    while (next) {
      found = next;
      next = await this.entry(log, found.seq + 1);
    }
    if (found && found.seq - from >= HEAD_LAG) await this.moveHead(log, found.seq);
    if (found) this.hint(log, found);
    return found;
  }

  /**
   * Appends an entry holding `ids`; returns it. Tries the entry after the last one this process
   * saw, and reads the log's end again only when another writer took it.
   */
  async append(log: string, ids: T[]): Promise<LogEntry<T>> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const entry = await this.tryAppend(log, ids);
      if (entry) return entry;
    }
    throw new Error(`could not append to ${log}: ${MAX_TRIES} concurrent appends won the race`);
  }

  /**
   * One try at appending after the last entry this process saw (read when it saw none); undefined
   * when another writer took that entry, and the next try reads the log's end.
   */
  async tryAppend(log: string, ids: T[]): Promise<LogEntry<T> | undefined> {
    const last = this.hints.get(log) ?? (await this.last(log));
    const seq = last ? last.seq + 1 : 0;
    const entry: LogEntry<T> = { _id: `${log}#${seq}`, seq, ids, upTo: (last?.upTo ?? 0) + ids.length };
    try {
      await this.records.insertOne(entry);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      this.hints.delete(log);
      return undefined;
    }
    this.hint(log, entry);
    return entry;
  }

  /** The log's last `count` entries at most, latest first. */
  async latest(log: string, count: number): Promise<LogEntry<T>[]> {
    const last = await this.last(log);
    if (!last) return [];
    const earlier = Array.from({ length: Math.min(count, last.seq + 1) - 1 }, (_, k) => last.seq - 1 - k);
    const found = await Promise.all(earlier.map((seq) => this.entry(log, seq)));
    return [last, ...found.filter((e): e is LogEntry<T> => e !== null)];
  }

  /**
   * Takes ids back out of an entry its writer appended (no other writer changes an entry), and
   * counts them, so that the ids a log holds are its last entry's `upTo` less `retracted`.
   * Retractions from one entry are written one after another, each on what the one before kept
   * (`entry` is updated): two at once would each write back ids the other took out.
   */
  retract(entry: LogEntry<T>, ids: Set<T>): Promise<void> {
    const retracting = this.retracting.then(async () => {
      const kept = entry.ids.filter((id) => !ids.has(id));
      if (kept.length === entry.ids.length) return;
      await this.records.updateOne({ _id: entry._id }, { $set: { ids: kept } });
      const taken = entry.ids.length - kept.length;
      entry.ids = kept;
      const log = entry._id.slice(0, entry._id.lastIndexOf('#'));
      await this.upsert(`${log}#retracted`, { $inc: { count: taken } });
    });
    this.retracting = retracting.catch(() => undefined);
    return retracting;
  }

  /** How many ids were taken back out of each of these logs (0 for a log without any). */
  async retracted(logs: string[]): Promise<number[]> {
    const found = await this.records.find({ _id: { $in: logs.map((log) => `${log}#retracted`) } }).toArray();
    const byId = new Map(found.map((r) => [r._id, 'count' in r ? r.count : 0]));
    return logs.map((log) => byId.get(`${log}#retracted`) ?? 0);
  }

  /**
   * Deletes a log's first `count` entries and its head, last first: a deletion cut short leaves
   * a shorter log, which a reader still walks from entry 0. Only for a log no writer appends to
   * any more (a writer's stale hint would insert a deleted entry again, behind a gap).
   */
  async drop(log: string, count: number, concurrency: number): Promise<void> {
    await this.records.deleteOne({ _id: `${log}#head` });
    for (let end = count; end > 0; end -= concurrency) {
      const seqs = Array.from({ length: Math.min(concurrency, end) }, (_, k) => end - 1 - k);
      await Promise.all(seqs.map((seq) => this.records.deleteOne({ _id: `${log}#${seq}` })));
    }
  }

  /** $max: a head moved further by another reader stays there (not atomic on FerretDB, which only makes it staler). */
  private moveHead(log: string, seq: number): Promise<void> {
    return this.upsert(`${log}#head`, { $max: { seq } });
  }

  private async upsert(id: string, update: UpdateFilter<LogDocument<T>>): Promise<void> {
    const write = () => this.records.updateOne({ _id: id }, update, { upsert: true });
    try {
      await write();
    } catch (err) {
      // Two first upserts of one _id race on FerretDB (a duplicate key); the loser's update then finds it.
      if (!isDuplicateKey(err)) throw err;
      await write();
    }
  }
}

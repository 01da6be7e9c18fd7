import { randomInt } from 'node:crypto';
import type { Connection } from 'mongoose';
import { AppendLog, type LogEntry } from './append-log';
import { isDuplicateKey } from './duplicate-key';

/**
 * Every profile's user id, in chunks read by _id, so that fan-out and segment preview page
 * through profiles at a cost bounded per page: FerretDB on SQLite answers any filter, range or
 * sort on `profiles` but an exact { _id } by reading the whole collection.
 *
 * The ids are kept in LANES append logs (append-log.ts), "lane:<k>#<n>" holding up to CHUNK_IDS
 * ids each. A user is registered before its profile is created (a chunk naming a user without a
 * profile yet is skipped by readers), so every profile is listed, and the profile records where
 * (`directory`: its lane and chunk): a page resumes after a given user from there, and a reader
 * takes a user only from the chunk its profile names, so a user two writers registered at once,
 * or registered again after a writer died before creating its profile, is listed once. The
 * writer whose profile insert lost takes the user back out of its chunk, so counts stay right.
 * Users registered before profiles recorded their place have a placement "at:<userId>" instead,
 * which was inserted once, so each of them is in one chunk. Each process appends to one lane
 * picked at random, so processes seldom race for the same chunk number, and its hint of the
 * lane's end stays right.
 */

const LANES = 16;
/** Ids per chunk: what one page reads at once. */
const CHUNK_IDS = 100;
/** Marks that the profiles stored before the directory existed were registered (see `migrate`). */
const MIGRATION_MARK = 'migrated:profiles';

/** Where the directory lists a user: entry `seq` of lane `lane`. */
export interface DirectoryPlace {
  lane: number;
  seq: number;
}

/** A chunk of the directory as readers get it: its ids, and where it is. */
export interface DirectoryChunk extends DirectoryPlace {
  ids: string[];
}

/** A user registered before profiles recorded their place. */
type Placement = DirectoryPlace & { _id: string };

/** Where users just registered are listed (to store on their profiles), and how to take some back. */
export interface Registration {
  placeOf(userId: string): DirectoryPlace;
  /** Takes back users whose profiles another writer created meanwhile (listed where that one put them). */
  release(userIds: string[]): Promise<void>;
}

/** Whether a reader of the chunk at `place` takes this profile: a profile naming another chunk is listed there. */
export function listedAt(place: DirectoryPlace, profile: { directory?: DirectoryPlace }): boolean {
  const own = profile.directory;
  return own === undefined || (own.lane === place.lane && own.seq === place.seq);
}

const laneLog = (lane: number) => `lane:${lane}`;

/** A read of the whole directory in random chunk order, for estimates. */
export interface Survey {
  /** Ids registered and not taken back (an upper bound on the profiles: a few may not be created yet). */
  total: number;
  chunks: number;
  /** Each chunk, in random order. */
  entries: AsyncGenerator<DirectoryChunk>;
}

export class ProfileDirectory {
  private readonly log: AppendLog;
  private readonly lane = randomInt(LANES);
  private readonly queue: Array<{ ids: string[]; done: (written: Map<string, LogEntry> | Error) => void }> = [];
  private draining = false;

  constructor(private readonly connection: Connection) {
    this.log = new AppendLog(connection.collection('profile_directory'), true);
  }

  private get placements() {
    return this.connection.collection<Placement | { _id: string }>('profile_directory');
  }

  private get profiles() {
    return this.connection.collection<{ _id: string; directory?: DirectoryPlace }>('profiles');
  }

  /**
   * Registers users whose profiles are about to be created. Registrations made at once in this
   * process are written together, one chunk at a time: concurrent appends to the lane would race
   * for the same entry.
   */
  async add(userIds: string[]): Promise<Registration> {
    const written =
      userIds.length === 0
        ? new Map<string, LogEntry>()
        : await new Promise<Map<string, LogEntry>>((resolve, reject) => {
            this.queue.push({ ids: userIds, done: (w) => (w instanceof Error ? reject(w) : resolve(w)) });
            if (!this.draining) void this.drain();
          });
    const entryOf = (userId: string) => {
      const entry = written.get(userId);
      if (!entry) throw new Error(`${userId} was not registered here`);
      return entry;
    };
    return {
      placeOf: (userId) => ({ lane: this.lane, seq: entryOf(userId).seq }),
      release: async (released) => {
        const entries = new Set(released.map(entryOf));
        for (const entry of entries)
          await this.log.retract(entry, new Set(released.filter((id) => entryOf(id) === entry)));
      },
    };
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0) {
      const taken = [this.queue.shift()!];
      let count = taken[0].ids.length;
      while (this.queue.length > 0 && count + this.queue[0].ids.length <= CHUNK_IDS) {
        count += this.queue[0].ids.length;
        taken.push(this.queue.shift()!);
      }
      const outcome = await this.write([...new Set(taken.flatMap((r) => r.ids))]).catch((err: unknown) =>
        err instanceof Error ? err : new Error('registering profiles failed'),
      );
      for (const r of taken) r.done(outcome);
    }
    this.draining = false;
  }

  /** Appends the ids, CHUNK_IDS to an entry; returns each id's entry. */
  private async write(userIds: string[]): Promise<Map<string, LogEntry>> {
    const written = new Map<string, LogEntry>();
    for (let i = 0; i < userIds.length; i += CHUNK_IDS) {
      const entry = await this.log.append(laneLog(this.lane), userIds.slice(i, i + CHUNK_IDS));
      for (const id of entry.ids) written.set(id, entry);
    }
    return written;
  }

  /** Where the directory lists a user: its profile says, or (registered before profiles did) its placement. */
  private async placeOf(userId: string): Promise<DirectoryPlace | null> {
    const profile = await this.profiles.findOne({ _id: userId }, { projection: { directory: 1 } });
    return profile?.directory ?? (await this.placements.findOne<Placement>({ _id: `at:${userId}` }));
  }

  /** Each chunk in order, from the chunk holding `afterUserId` (just after it), else from the start. */
  async *idsAfter(afterUserId: string | undefined): AsyncGenerator<DirectoryChunk> {
    const at = afterUserId === undefined ? null : await this.placeOf(afterUserId);
    // A user without a place (a cursor of a fan-out begun before the directory) starts over:
    // fan-out entries are claimed, so nobody is entered twice.
    for (let lane = at?.lane ?? 0; lane < LANES; lane++) {
      for (let seq = lane === at?.lane ? at.seq : 0; ; seq++) {
        const entry = await this.log.entry(laneLog(lane), seq);
        if (!entry) break;
        const skip = lane === at?.lane && seq === at.seq ? entry.ids.indexOf(afterUserId!) + 1 : 0;
        if (entry.ids.length > skip) yield { lane, seq, ids: entry.ids.slice(skip) };
      }
    }
  }

  /** How many ids and chunks the directory holds, and its chunks in random order (each once). */
  async survey(): Promise<Survey> {
    const ends = await Promise.all(Array.from({ length: LANES }, (_, lane) => this.log.last(laneLog(lane))));
    const places = ends.flatMap((end, lane) =>
      Array.from({ length: end ? end.seq + 1 : 0 }, (_, seq) => ({ lane, seq })),
    );
    // Fisher–Yates: every order equally likely, so a sample cut short is a random one.
    for (let i = places.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [places[i], places[j]] = [places[j], places[i]];
    }
    const log = this.log;
    async function* entries(): AsyncGenerator<DirectoryChunk> {
      for (const place of places)
        yield { ...place, ids: ((await log.entry(laneLog(place.lane), place.seq)) as LogEntry).ids };
    }
    const lanes = Array.from({ length: LANES }, (_, lane) => laneLog(lane));
    const taken = (await this.log.retracted(lanes)).reduce((sum, n) => sum + n, 0);
    const total = ends.reduce((sum, e) => sum + (e?.upTo ?? 0), 0) - taken;
    return { total, chunks: places.length, entries: entries() };
  }

  /**
   * Registers the profiles stored before the directory existed, once (a mark records it); each
   * process may run it on start. Reads `profiles` once; a profile that knows its place is
   * registered already. Two processes migrating at once list a user twice, and readers take it
   * from the chunk its profile names last.
   */
  async migrate(): Promise<void> {
    if (await this.placements.findOne({ _id: MIGRATION_MARK })) return;
    let batch: string[] = [];
    for await (const profile of this.profiles.find({}, { projection: { directory: 1 }, batchSize: 1_000 })) {
      if (!profile.directory) batch.push(profile._id);
      if (batch.length < CHUNK_IDS) continue;
      await this.register(batch);
      batch = [];
    }
    await this.register(batch);
    try {
      await this.placements.insertOne({ _id: MIGRATION_MARK });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Registers users whose profiles exist, and records each one's place on its profile. */
  private async register(userIds: string[]): Promise<void> {
    const registration = await this.add(userIds);
    const bySeq = new Map<number, string[]>();
    for (const id of userIds) {
      const { seq } = registration.placeOf(id);
      bySeq.set(seq, [...(bySeq.get(seq) ?? []), id]);
    }
    for (const [seq, ids] of bySeq)
      await this.profiles.updateMany({ _id: { $in: ids } }, { $set: { directory: { lane: this.lane, seq } } });
  }
}

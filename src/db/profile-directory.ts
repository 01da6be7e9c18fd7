import { randomInt } from 'node:crypto';
import type { Connection } from 'mongoose';
import { AppendLog, type LogEntry } from './append-log';
import { isDuplicateKey } from './duplicate-key';
import { duplicateIndexes } from './insert-new';

/**
 * Every profile's user id, in chunks read by _id, so that fan-out and segment preview page
 * through profiles at a cost bounded per page: FerretDB on SQLite answers any filter, range or
 * sort on `profiles` but an exact { _id } by reading the whole collection.
 *
 * The ids are kept in LANES append logs (append-log.ts), "lane:<k>#<n>" holding up to CHUNK_IDS
 * ids each; a placement "at:<userId>" records which chunk holds a user, so a page resumes after
 * a given user. A user is registered before its profile is created (a chunk naming a user
 * without a profile yet is skipped by readers), so every profile is listed; a placement is
 * inserted once, so a user two writers registered at once keeps the first chunk and the other
 * writer takes it back out of its own. Each process appends to one lane picked at random, so
 * processes seldom race for the same chunk number, and its hint of the lane's end stays right.
 */

const LANES = 16;
/** Ids per chunk: what one page reads at once. */
const CHUNK_IDS = 100;
/** Marks that the profiles stored before the directory existed were registered (see `migrate`). */
const MIGRATION_MARK = 'migrated:profiles';

interface Placement {
  _id: string;
  lane: number;
  seq: number;
}

const laneLog = (lane: number) => `lane:${lane}`;

/** A read of the whole directory in random chunk order, for estimates. */
export interface Survey {
  /** Ids registered (an upper bound on the profiles: a few may not be created yet). */
  total: number;
  chunks: number;
  /** The ids of each chunk, chunks in random order. */
  entries: AsyncGenerator<string[]>;
}

export class ProfileDirectory {
  private readonly log: AppendLog;
  private readonly lane = randomInt(LANES);
  private readonly queue: Array<{ ids: string[]; done: (err?: unknown) => void }> = [];
  private draining = false;

  constructor(private readonly connection: Connection) {
    this.log = new AppendLog(connection.collection('profile_directory'), true);
  }

  private get placements() {
    return this.connection.collection<Placement | { _id: string }>('profile_directory');
  }

  /**
   * Registers users whose profiles are about to be created; a user registered before stays
   * where it is. Registrations made at once in this process are written together, one chunk at
   * a time: concurrent appends to the lane would race for the same entry.
   */
  add(userIds: string[]): Promise<void> {
    if (userIds.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ ids: userIds, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.draining) void this.drain();
    });
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
      const written = this.write([...new Set(taken.flatMap((r) => r.ids))]).then(
        () => undefined,
        (err: unknown) => err ?? new Error('registering profiles failed'),
      );
      const outcome = await written;
      for (const r of taken) r.done(outcome);
    }
    this.draining = false;
  }

  private async write(userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += CHUNK_IDS) {
      const ids = userIds.slice(i, i + CHUNK_IDS);
      const entry = await this.log.append(laneLog(this.lane), ids);
      const placed = ids.map((id): Placement => ({ _id: `at:${id}`, lane: this.lane, seq: entry.seq }));
      try {
        await this.placements.insertMany(placed, { ordered: false });
      } catch (err) {
        const registered = duplicateIndexes(err);
        await this.log.retract(entry, new Set(ids.filter((_, k) => registered.has(k))));
      }
    }
  }

  /** The ids of each chunk in order, from the chunk holding `afterUserId` (just after it), else from the start. */
  async *idsAfter(afterUserId: string | undefined): AsyncGenerator<string[]> {
    const at =
      afterUserId === undefined ? null : ((await this.placements.findOne({ _id: `at:${afterUserId}` })) as Placement);
    // A user without a placement (a cursor of a fan-out begun before the directory) starts over:
    // fan-out entries are claimed, so nobody is entered twice.
    for (let lane = at?.lane ?? 0; lane < LANES; lane++) {
      for (let seq = lane === at?.lane ? at.seq : 0; ; seq++) {
        const entry = await this.log.entry(laneLog(lane), seq);
        if (!entry) break;
        const skip = lane === at?.lane && seq === at.seq ? entry.ids.indexOf(afterUserId!) + 1 : 0;
        if (entry.ids.length > skip) yield entry.ids.slice(skip);
      }
    }
  }

  /** How many ids and chunks the directory holds, and its chunks in random order (each once). */
  async survey(): Promise<Survey> {
    const ends = await Promise.all(Array.from({ length: LANES }, (_, lane) => this.log.last(laneLog(lane))));
    const counts = ends.map((e) => (e ? e.seq + 1 : 0));
    const chunks = counts.reduce((a, b) => a + b, 0);
    const log = this.log;
    async function* entries(): AsyncGenerator<string[]> {
      const seen = new Set<number>();
      while (seen.size < chunks) {
        let pick = randomInt(chunks);
        while (seen.has(pick)) pick = (pick + 1) % chunks;
        seen.add(pick);
        let lane = 0;
        for (; pick >= counts[lane]; lane++) pick -= counts[lane];
        yield ((await log.entry(laneLog(lane), pick)) as LogEntry).ids;
      }
    }
    return { total: ends.reduce((sum, e) => sum + (e?.upTo ?? 0), 0), chunks, entries: entries() };
  }

  /**
   * Registers the profiles stored before the directory existed, once (a mark records it); each
   * process may run it on start, as a user registered already is skipped. Reads `profiles` once.
   */
  async migrate(): Promise<void> {
    if (await this.placements.findOne({ _id: MIGRATION_MARK })) return;
    let batch: string[] = [];
    for await (const profile of this.connection
      .collection<{ _id: string }>('profiles')
      .find({}, { projection: { _id: 1 }, batchSize: 1_000 })) {
      batch.push(profile._id);
      if (batch.length < CHUNK_IDS) continue;
      await this.add(batch);
      batch = [];
    }
    await this.add(batch);
    try {
      await this.placements.insertOne({ _id: MIGRATION_MARK });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}

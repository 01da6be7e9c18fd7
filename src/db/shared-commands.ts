import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import type { Model } from 'mongoose';
import { GroupCommit } from './group-commit';
import { refusedDocuments } from './insert-new';

/** Callers with more documents (or ids) than this write (or read) alone: a batch is one command already. */
const SHARED_UP_TO = 50;

/**
 * Inserts of concurrent callers into one collection joined in one unordered command: a caller's
 * documents go out with the next insert, which starts as soon as the one in flight is done. A
 * lone caller waits a tick at most; callers that arrive together (single event posts at a few
 * hundred a second) share the command, and FerretDB's commit and fsync with it, instead of
 * each paying for its own. Each caller learns which of its documents were refused as duplicates
 * (their ids were stored already, by anyone, this very command included); any other refusal
 * fails the callers whose documents it names, and a failure of the whole command fails all.
 */
export class SharedInserts<T> {
  private readonly groups = new GroupCommit<T[], Set<number> | Error>(async (calls) => {
    const outcomes = await insertTogether(this.insertMany, calls);
    return { results: Promise.resolve(outcomes) };
  });

  /** `insertMany` inserts unordered, so that the documents after a duplicate still go in. */
  constructor(private readonly insertMany: (documents: T[]) => Promise<unknown>) {}

  /** Inserts the documents; the indexes of those refused as duplicates. */
  async insert(documents: T[]): Promise<Set<number>> {
    if (documents.length === 0) return new Set();
    const outcome =
      documents.length > SHARED_UP_TO
        ? (await insertTogether(this.insertMany, [documents]))[0]
        : await this.groups.add(documents, 0);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
}

async function insertTogether<T>(
  insertMany: (documents: T[]) => Promise<unknown>,
  calls: T[][],
): Promise<Array<Set<number> | Error>> {
  const outcomes: Array<Set<number> | Error> = calls.map(() => new Set<number>());
  try {
    await insertMany(calls.flat());
    return outcomes;
  } catch (err) {
    const refused = refusedDocuments(err);
    if (!refused?.length) throw err;
    // Each document of the command: its caller, and its index among the caller's.
    const owners = calls.flatMap((documents, caller) => documents.map((_, own) => ({ caller, own })));
    for (const { index, duplicate } of refused) {
      const { caller, own } = owners[index];
      const outcome = outcomes[caller];
      if (!duplicate) outcomes[caller] = err as Error;
      else if (outcome instanceof Set) outcome.add(own);
    }
    return outcomes;
  }
}

/**
 * insertOnce (insert-new.ts) for concurrent callers, each inserting one document: true when it
 * was stored now, false when a document with its _id existed (left unchanged).
 */
export function sharedInsertOnce<T extends Document>(
  collection: Collection<T>,
): (document: OptionalUnlessRequiredId<T>) => Promise<boolean> {
  const shared = new SharedInserts<OptionalUnlessRequiredId<T>>((documents) =>
    collection.insertMany(documents, { ordered: false }),
  );
  return async (document) => (await shared.insert([document])).size === 0;
}

/** Shared inserts through a mongoose model, as plain documents (`lean`: no hydration). */
export function sharedInsertsInto<T>(model: Model<T>): SharedInserts<T> {
  return new SharedInserts<T>((documents) => model.insertMany(documents, { ordered: false, lean: true }));
}

/**
 * Reads by _id of concurrent callers joined in one command, as SharedInserts joins inserts:
 * each caller gets what the command found, which holds the documents of the ids it asked for.
 */
export class SharedReads<T> {
  private readonly groups = new GroupCommit<string[], T[]>(async (calls) => {
    const found = await this.read([...new Set(calls.flat())]);
    return { results: Promise.resolve(calls.map(() => found)) };
  });

  constructor(private readonly read: (ids: string[]) => Promise<T[]>) {}

  /** The stored documents among these ids, and perhaps others. */
  find(ids: string[]): Promise<T[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return ids.length > SHARED_UP_TO ? this.read(ids) : this.groups.add(ids, 0);
  }
}

import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import type { Model } from 'mongoose';
import { isDuplicateKey } from './duplicate-key';

/**
 * The indexes of the documents an unordered insert refused as duplicates; `err` (what the insert
 * threw) is thrown again when anything else failed.
 */
export function duplicateIndexes(err: unknown): Set<number> {
  const refused = refusedDocuments(err);
  if (!refused?.length || !refused.every((r) => r.duplicate)) throw err;
  return new Set(refused.map((r) => r.index));
}

/** The documents an unordered insert refused, each by its index and whether as a duplicate; undefined when the whole command failed. */
export function refusedDocuments(err: unknown): Array<{ index: number; duplicate: boolean }> | undefined {
  const writeErrors = (err as { writeErrors?: Array<{ index: number; err?: { code?: number }; code?: number }> })
    .writeErrors;
  return writeErrors?.map((e) => ({ index: e.index, duplicate: isDuplicateKey(e) || isDuplicateKey(e.err) }));
}

/**
 * Inserts documents whose ids may exist already (unordered, so the rest still go in) and
 * returns the indexes of those refused as duplicates; any other failure is thrown.
 */
export async function insertNewOnly<T>(model: Model<T>, documents: T[]): Promise<Set<number>> {
  try {
    await model.insertMany(documents, { ordered: false, lean: true });
    return new Set();
  } catch (err) {
    return duplicateIndexes(err);
  }
}

/** Inserts one document; false when a document with its _id exists already (left unchanged). */
export async function insertOnce<T extends Document>(
  collection: Collection<T>,
  document: OptionalUnlessRequiredId<T>,
): Promise<boolean> {
  try {
    await collection.insertOne(document);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

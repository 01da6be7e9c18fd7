import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import type { Model } from 'mongoose';
import { isDuplicateKey } from './duplicate-key';

/**
 * The indexes of the documents an unordered insert refused as duplicates; `err` (what the insert
 * threw) is thrown again when anything else failed.
 */
export function duplicateIndexes(err: unknown): Set<number> {
  const writeErrors = (err as { writeErrors?: Array<{ index: number; err?: { code?: number }; code?: number }> })
    .writeErrors;
  if (!writeErrors?.length || !writeErrors.every((e) => isDuplicateKey(e) || isDuplicateKey(e.err))) throw err;
  return new Set(writeErrors.map((e) => e.index));
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

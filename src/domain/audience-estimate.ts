// An audience's size estimated from a sample of the profile directory, with a 95% margin. Pure.
//
// The sample is drawn as a few profiles from each of many directory chunks (a chunk holds users
// created together, who are often alike: an import, one campaign's sign-ups), so it is a
// cluster sample, not independent draws. The margin is the wider of two: the Wilson score
// interval of the pooled share (which, unlike the textbook interval, does not shrink to ± 0
// when every or no examined profile matched), and the spread of the share between chunks (what
// a few unlike chunks do to the estimate, which the pooled interval cannot see).

/** What one chunk's examined profiles showed. */
export interface ChunkSample {
  examined: number;
  matched: number;
}

/** An estimated size and its 95% margin. */
export interface AudienceEstimate {
  count: number;
  exact: false;
  margin: number;
}

const Z_95 = 1.96;

/** Student's t for a 95% interval, close enough from 3 degrees of freedom (Cornish–Fisher's first term). */
function t95(degrees: number): number {
  return Z_95 * (1 + (Z_95 * Z_95 + 1) / (4 * degrees));
}

/** Half-width of the Wilson interval of `share` among `examined`, and its centre. */
function wilson(share: number, examined: number): { centre: number; half: number } {
  const z2n = (Z_95 * Z_95) / examined;
  const centre = (share + z2n / 2) / (1 + z2n);
  const half = (Z_95 / (1 + z2n)) * Math.sqrt((share * (1 - share)) / examined + z2n / (4 * examined));
  return { centre, half };
}

/** Half-width of the share's interval from the spread between chunks (the ratio estimator's variance). */
function betweenChunks(share: number, chunks: ChunkSample[], chunksInAll: number): number {
  const k = chunks.length;
  if (k < 2) return 0;
  const meanExamined = chunks.reduce((sum, c) => sum + c.examined, 0) / k;
  const spread = chunks.reduce((sum, c) => sum + (c.matched - share * c.examined) ** 2, 0) / (k - 1);
  const finite = Math.max(0, 1 - k / Math.max(k, chunksInAll));
  return t95(k - 1) * (Math.sqrt((spread / k) * finite) / meanExamined);
}

/**
 * The audience's size among `total` profiles from the chunks examined (of `chunksInAll`), kept
 * between what the examined profiles prove and what the unexamined ones could add.
 */
export function estimateAudience(total: number, chunks: ChunkSample[], chunksInAll: number): AudienceEstimate {
  const examined = chunks.reduce((sum, c) => sum + c.examined, 0);
  const matched = chunks.reduce((sum, c) => sum + c.matched, 0);
  if (examined === 0) return { count: 0, exact: false, margin: total };
  const share = matched / examined;
  const finite = Math.sqrt(Math.max(0, total - examined) / Math.max(1, total - 1));
  const pooled = wilson(share, examined);
  const half = Math.max(pooled.half * finite, betweenChunks(share, chunks, chunksInAll));
  const centre = pooled.half * finite >= half ? pooled.centre : share;
  const low = Math.max(matched, (centre - half) * total);
  const high = Math.min(matched + total - examined, (centre + half) * total);
  const count = Math.round(share * total);
  return { count, exact: false, margin: Math.ceil(Math.max(count - low, high - count, 0)) };
}

// The preview's estimate of an audience past its bound: a count with a 95% margin that holds
// the true size even when the directory's chunks hold users who are alike.
import assert from 'node:assert/strict';
import { estimateAudience, type ChunkSample } from '../../src/domain/audience-estimate';

/** A seeded generator (mulberry32), so the simulated previews are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const within = (truth: number, { count, margin }: { count: number; margin: number }) =>
  Math.abs(count - truth) <= margin;

describe('the audience estimate past the preview bound', function () {
  it('widens its margin when whole chunks differ, so the true size stays inside it', function () {
    // 40 chunks of 100: the first 10 all match (one import), the others none; 13 examined of each of 39.
    const chunks: ChunkSample[] = Array.from({ length: 39 }, (_, i) => ({ examined: 13, matched: i < 10 ? 13 : 0 }));
    const estimate = estimateAudience(4_000, chunks, 40);
    assert.equal(estimate.count, 1_026);
    assert.ok(within(1_000, estimate), JSON.stringify(estimate));
  });

  it('keeps a margin when every examined profile matched, and never claims fewer than it found', function () {
    const chunks: ChunkSample[] = Array.from({ length: 100 }, () => ({ examined: 5, matched: 5 }));
    const estimate = estimateAudience(100_000, chunks, 1_000);
    assert.equal(estimate.count, 100_000);
    assert.ok(estimate.margin > 0 && estimate.margin < 2_000, JSON.stringify(estimate));
  });

  it('holds the true size in at least 9 of 10 previews of directories whose chunks are alike inside', function () {
    const random = seeded(19);
    const [chunksInAll, chunkSize, perChunk, examinedChunks] = [400, 100, 5, 100];
    let covered = 0;
    const trials = 200;
    for (let trial = 0; trial < trials; trial++) {
      // Each chunk matches at its own rate: mostly all or nothing, as imports and cohorts are.
      const rates = Array.from({ length: chunksInAll }, () => {
        const r = random();
        return r < 0.3 ? 1 : r < 0.8 ? 0 : random();
      });
      const members = rates.map((rate) => Array.from({ length: chunkSize }, () => random() < rate));
      const truth = members.reduce((sum, chunk) => sum + chunk.filter(Boolean).length, 0);
      const order = rates.map((_, i) => i).sort(() => random() - 0.5);
      const sample = order.slice(0, examinedChunks).map((i): ChunkSample => {
        const picked = Array.from({ length: perChunk }, () => members[i][Math.floor(random() * chunkSize)]);
        return { examined: perChunk, matched: picked.filter(Boolean).length };
      });
      if (within(truth, estimateAudience(chunksInAll * chunkSize, sample, chunksInAll))) covered += 1;
    }
    assert.ok(covered >= 0.9 * trials, `the margin held the true size in ${covered} of ${trials} previews`);
  });
});

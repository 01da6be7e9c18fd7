// Campaign counters on the real FerretDB, whose $inc loses updates under concurrency: many
// processes counting and compacting at once must still add up exactly, and an activity that
// runs twice (a Temporal retry) must count its fact once.
import assert from 'node:assert/strict';
import { testActivities } from '../support/activities';
import type { Repositories } from '../../src/db/connection';
import {
  COUNTER,
  exitCounter,
  HOUR_MS,
  summarize,
  addCounts,
  addHistogram,
  emptyHistogram,
} from '../../src/domain/stats';
import { testRepositories, uniqueId } from '../support/stack';

async function totalsOf(repositories: Repositories, campaignId: string, from: Date, to: Date) {
  const rows = await repositories.stats.rows(from, to, campaignId);
  const counts = {};
  const latency = emptyHistogram();
  for (const row of rows) {
    addCounts(counts, row.counts);
    addHistogram(latency, row.latency);
  }
  return summarize(counts, latency);
}

describe('campaign stats counters', function () {
  const database = uniqueId('stats');
  const processes: Repositories[] = [];

  before(async function () {
    // Four "processes": each has its own connection, recorder and compactor.
    for (let i = 0; i < 4; i++) processes.push(await testRepositories(database));
  });

  after(async function () {
    for (const repositories of processes) await repositories.connection.close();
  });

  it('adds up exactly when four processes count, flush and compact at the same time', async function () {
    this.timeout(180_000);
    const campaignId = uniqueId('busy');
    const now = Date.now();
    const hours = [new Date(now - 2 * HOUR_MS), new Date(now - HOUR_MS), new Date(now)];
    const perProcess = 1_500;
    let compactions = 0;

    await Promise.all(
      processes.map(async (repositories, p) => {
        const recorder = repositories.statsRecorder;
        for (let i = 0; i < perProcess; i++) {
          const key = { campaignId, version: (i % 2) + 1 };
          const at = hours[i % hours.length];
          recorder.count(key, COUNTER.attempted, 1, at);
          recorder.latency(key, (i % 10) * 100, at);
          if (i % 3 === 0) recorder.count(key, COUNTER.succeeded, 1, at);
          // Writes and folds interleave with the counting, from every process.
          if (i % 100 === 99) await recorder.flush();
          if (i % 300 === 150) compactions += await repositories.stats.compact(`test-${p}`);
        }
        await recorder.flush();
      }),
    );

    const from = new Date(now - 3 * HOUR_MS);
    const to = new Date(now + HOUR_MS);
    const expectedAttempts = processes.length * perProcess;
    const expectedSucceeded = processes.length * Math.ceil(perProcess / 3);
    const live = await totalsOf(processes[0], campaignId, from, to);
    assert.equal(live.webhooks.attempted, expectedAttempts);
    assert.equal(live.webhooks.succeeded, expectedSucceeded);
    assert.ok(compactions > 0, 'some compaction ran while counting');

    // Folding everything that is left, from several processes at once, changes no total.
    for (let round = 0; round < 20 && (await processes[0].stats.waitingIncrements()) > 0; round++) {
      await Promise.all(processes.map((repositories, p) => repositories.stats.compact(`final-${p}`)));
    }
    assert.equal(await processes[0].stats.waitingIncrements(), 0);
    const folded = await totalsOf(processes[1], campaignId, from, to);
    assert.equal(folded.webhooks.attempted, expectedAttempts);
    assert.equal(folded.webhooks.succeeded, expectedSucceeded);
    assert.deepEqual(folded.latencyMs, live.latencyMs);
    // Latencies 0..900 ms evenly: the median falls in the 250–500 ms bucket, p95 in 500–1000 ms.
    assert.ok(folded.latencyMs.p50! > 250 && folded.latencyMs.p50! <= 500, `p50 ${folded.latencyMs.p50}`);
    assert.ok(folded.latencyMs.p95! > 500 && folded.latencyMs.p95! <= 1000, `p95 ${folded.latencyMs.p95}`);

    const byVersion = (await processes[2].stats.rows(from, to, campaignId)).filter((r) => r.version === 1);
    assert.equal(
      byVersion.reduce((sum, r) => sum + (r.counts[COUNTER.attempted] ?? 0), 0),
      expectedAttempts / 2,
    );
    assert.equal(new Set(byVersion.map((r) => r.hour.getTime())).size, hours.length, 'one hourly bucket per hour');
  });

  it('counts an entry, a hold, a cap, an exit and a conversion once when their activities run twice', async function () {
    const repositories = processes[3];
    const activities = testActivities(repositories);
    const campaignId = uniqueId('retried');
    const identity = { journeyId: `journey/${campaignId}/u1`, runId: 'run-1', campaignId, userId: 'u1', depth: 0 };
    const from = new Date(Date.now() - HOUR_MS);
    for (let i = 0; i < 2; i++) {
      await activities.admitJourney({
        ...identity,
        reentry: { mode: 'afterCompletion' },
        at: Date.now(),
        campaignVersion: 3,
      });
      await activities.countJourneyFact({ ...identity, counter: COUNTER.heldQuietHours, factId: 'sms' });
      await activities.countJourneyFact({ ...identity, counter: COUNTER.capped, factId: 'email' });
      await activities.recordConversion({ ...identity, eventId: 'purchase-1' });
      await activities.journeyEnded({ ...identity, outcome: 'goalReached', at: Date.now() });
    }
    await activities.countJourneyFact({ ...identity, counter: COUNTER.heldQuietHours, factId: 'push' });
    await repositories.statsRecorder.flush();
    const rows = await repositories.stats.rows(from, new Date(Date.now() + HOUR_MS), campaignId);
    assert.deepEqual([...new Set(rows.map((r) => r.version))], [3]);
    const counts = rows.reduce((sum, r) => addCounts(sum, r.counts), {});
    assert.deepEqual(counts, {
      [COUNTER.entered]: 1,
      [COUNTER.heldQuietHours]: 2,
      [COUNTER.capped]: 1,
      [COUNTER.conversions]: 1,
      [exitCounter('goalReached')]: 1,
    });
  });
});

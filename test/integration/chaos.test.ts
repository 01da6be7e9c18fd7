// The short form of `npm run chaos`: every fault scenario against the real embedded stack
// (FerretDB, the Temporal dev server on a file, the worker and the gateway as processes),
// a few dozen journeys each. Nothing acknowledged may be lost, no event may start two
// journeys, and every webhook must reach its receiver.
import assert from 'node:assert/strict';
import { runScenario, type ScenarioResult } from '../chaos/run-scenario';
import { SCENARIOS } from '../chaos/scenarios';
import { CHAOS_API_KEY, openSession, type ChaosSession } from '../chaos/session';

const PLAN = { journeys: 30, loadMs: 6_000, outageMs: 5_000, recoverTimeoutMs: 240_000, concurrency: 6 };

describe('fault injection (short form)', function () {
  this.timeout(360_000);
  let session: ChaosSession;
  const results: ScenarioResult[] = [];

  before(async function () {
    session = await openSession();
  });

  after(async function () {
    await session?.close({ keepFiles: results.some((r) => !r.settled || r.violations.length > 0) });
  });

  for (const scenario of SCENARIOS.filter((s) => !s.longFormOnly)) {
    it(`${scenario.title}: nothing lost, no duplicate journey, every webhook received`, async function () {
      if (scenario.needsSmallDisk && session.cluster.diskUnavailable) this.skip();
      const result = await runScenario({
        cluster: session.cluster,
        db: session.db,
        apiKey: CHAOS_API_KEY,
        scenario,
        plan: PLAN,
        runId: Date.now().toString(36),
      });
      results.push(result);
      const summary = JSON.stringify(result);
      assert.equal(result.eventsAcknowledged, PLAN.journeys, summary);
      assert.equal(result.lost, 0, summary);
      assert.equal(result.duplicateJourneys, 0, summary);
      assert.equal(result.webhooksDelivered, result.webhooksExpected, summary);
      assert.equal(result.unfinished, 0, summary);
      assert.deepEqual(result.violations, [], summary);
    });
  }
});

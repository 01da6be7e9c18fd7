// "No event starts two journeys" also in the journey records: found by the long chaos run,
// where FerretDB (busy after a restart) failed an admission's write after applying it, and the
// retried admission counted the same run a second time (entries: 2).
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { entryCount } from '../../src/db/journeys';
import { testRepositories, uniqueId } from '../support/stack';

describe('journey admission', function () {
  let repositories: Repositories;

  before(async function () {
    repositories = await testRepositories(uniqueId('admission'));
  });

  after(async function () {
    await repositories?.connection.close();
  });

  const request = (journeyId: string, runId: string, triggerEventId: string) => ({
    journeyId,
    runId,
    campaignId: 'welcome',
    userId: 'u-1',
    campaignVersion: 1,
    reentry: { mode: 'afterCompletion' as const },
    now: new Date(),
    triggerEventId,
  });
  const entries = async (journeyId: string) =>
    entryCount((await repositories.journeys.listForUser('u-1', 100)).find((j) => j._id === journeyId)!);

  it('counts one entry for a run however many times its admission is retried, also at once', async function () {
    const journeyId = uniqueId('journey');
    const first = request(journeyId, 'run-1', 'evt-1');
    const admissions = await Promise.all([
      repositories.journeys.admit(first),
      repositories.journeys.admit(first),
      repositories.journeys.admit(first),
    ]);
    assert.ok(admissions.every((a) => a.admitted));
    assert.equal(await repositories.journeys.admit(first).then((a) => a.admitted), true);
    assert.equal(await entries(journeyId), 1);

    await repositories.journeys.ended(journeyId, 'run-1', 'completed', new Date());
    const second = request(journeyId, 'run-2', 'evt-2');
    await Promise.all([repositories.journeys.admit(second), repositories.journeys.admit(second)]);
    assert.equal(await entries(journeyId), 2, 'a new run is a new entry');
  });

  it("records a run's end with the version it followed, and leaves a record another run holds alone", async function () {
    const journeyId = uniqueId('ended');
    assert.equal((await repositories.journeys.admit(request(journeyId, 'run-1', 'evt-1'))).admitted, true);
    assert.equal(await repositories.journeys.ended(journeyId, 'run-0', 'completed', new Date()), undefined);
    const record = async () => (await repositories.journeys.listForUser('u-1', 100)).find((j) => j._id === journeyId);
    assert.equal((await record())?.status, 'running');
    assert.deepEqual(await repositories.journeys.ended(journeyId, 'run-1', 'exited', new Date()), { version: 1 });
    assert.deepEqual(
      { status: (await record())?.status, outcome: (await record())?.outcome },
      { status: 'ended', outcome: 'exited' },
    );
  });

  it('checks the audience before writing anything, and a retried admission of an admitted run skips it', async function () {
    const journeyId = uniqueId('audience');
    const left = await repositories.journeys.admit(request(journeyId, 'run-1', 'evt-1'), async () => false);
    assert.deepEqual(left, { admitted: false, reason: 'not in the audience', outOfAudience: true });
    assert.equal(
      (await repositories.journeys.listForUser('u-1', 100)).find((j) => j._id === journeyId),
      undefined,
    );
    const first = request(journeyId, 'run-2', 'evt-2');
    assert.equal((await repositories.journeys.admit(first, async () => true)).admitted, true);
    // An attempt retried after the admission was written: the user has left the audience meanwhile.
    assert.equal((await repositories.journeys.admit(first, async () => false)).admitted, true);
    assert.equal(await entries(journeyId), 1);
  });

  it('admits a run whose retried admissions race to create its record, which the run holds', async function () {
    // Local-activity attempts overlap when the database is slow: one attempt's upsert can
    // find no record and then fail to insert it, because another attempt of the same run
    // just did. That run is admitted, not "entered by a concurrent run".
    for (let n = 0; n < 10; n++) {
      const journeyId = uniqueId('raced');
      const same = request(journeyId, 'run-1', `evt-${n}`);
      const admissions = await Promise.all(Array.from({ length: 12 }, () => repositories.journeys.admit(same)));
      assert.deepEqual(
        admissions.filter((a) => !a.admitted),
        [],
        `journey ${n}`,
      );
      assert.equal(await entries(journeyId), 1);
    }
  });
});

// "No event starts two journeys" also in the journey records: found by the long chaos run,
// where FerretDB (busy after a restart) failed an admission's write after applying it, and the
// retried admission counted the same run a second time (entries: 2).
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { entryCount, type JourneyRecord } from '../../src/db/journeys';
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

  it('lets one event start one run: two runs handed the same event at once, and the event again after its run ended', async function () {
    const journeyId = uniqueId('one-event');
    const [a, b] = await Promise.all([
      repositories.journeys.admit(request(journeyId, 'run-a', 'evt-1')),
      repositories.journeys.admit(request(journeyId, 'run-b', 'evt-1')),
    ]);
    assert.equal([a, b].filter((x) => x.admitted).length, 1, JSON.stringify([a, b]));
    const winner = a.admitted ? 'run-a' : 'run-b';
    await repositories.journeys.ended(journeyId, winner, 'completed', new Date());
    assert.deepEqual(await repositories.journeys.admit(request(journeyId, 'run-c', 'evt-1')), {
      admitted: false,
      reason: 'event evt-1 already started this journey',
    });
    assert.equal((await repositories.journeys.admit(request(journeyId, 'run-d', 'evt-2'))).admitted, true);
    await repositories.journeys.ended(journeyId, 'run-d', 'completed', new Date());
    assert.deepEqual(await repositories.journeys.admit(request(journeyId, 'run-e', 'evt-1')), {
      admitted: false,
      reason: 'event evt-1 already started this journey',
    });
    await repositories.journeys.ended(journeyId, 'run-e', 'completed', new Date());
    const again = await Promise.all(
      ['run-f', 'run-g', 'run-h'].map((run) => repositories.journeys.admit(request(journeyId, run, 'evt-3'))),
    );
    assert.equal(again.filter((x) => x.admitted).length, 1, JSON.stringify(again));
    assert.equal(await entries(journeyId), 3);
  });

  it('still knows the events that started journeys recorded before records listed them', async function () {
    // As the previous release stored a run: its record without triggerEventIds, its event as a claim.
    const journeyId = uniqueId('legacy');
    const db = repositories.connection.db!;
    await db.collection<JourneyRecord>('journeys').insertOne({
      _id: journeyId,
      campaignId: 'welcome',
      userId: 'u-1',
      runId: 'run-1',
      campaignVersion: 1,
      status: 'ended',
      runIds: ['run-1'],
      enteredAt: new Date(),
      endedAt: new Date(),
      outcome: 'completed',
    });
    await db
      .collection<{ _id: string; runId: string }>('journeyTriggers')
      .insertOne({ _id: `${journeyId}:evt-old`, runId: 'run-1' });
    const refused = { admitted: false, reason: 'event evt-old already started this journey' };
    assert.deepEqual(await repositories.journeys.admit(request(journeyId, 'run-2', 'evt-old')), refused);
    assert.equal((await repositories.journeys.admit(request(journeyId, 'run-3', 'evt-new'))).admitted, true);
    await repositories.journeys.ended(journeyId, 'run-3', 'completed', new Date());
    assert.deepEqual(await repositories.journeys.admit(request(journeyId, 'run-4', 'evt-old')), refused);
    assert.deepEqual(await repositories.journeys.admit(request(journeyId, 'run-5', 'evt-new')), {
      admitted: false,
      reason: 'event evt-new already started this journey',
    });
  });
});

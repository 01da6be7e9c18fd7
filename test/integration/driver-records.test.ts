// The worker writes journeys and deliveries through the driver, without mongoose's casting and
// schema defaults: what it stores must read back through the schema's readers (the user view,
// the deliveries listing behind the API and CLI) as the schema wrote it, Dates and defaults too.
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { testRepositories, uniqueId } from '../support/stack';

describe('records written per journey', function () {
  let repositories: Repositories;

  before(async function () {
    repositories = await testRepositories(uniqueId('driver-records'));
  });

  after(async function () {
    await repositories?.connection.close();
  });

  it('a delivery reads back with its timestamps, attempts and a body-less request as the schema stored them', async function () {
    const campaignId = uniqueId('campaign');
    const key = { _id: uniqueId('msg'), journeyId: uniqueId('journey'), campaignId, userId: 'u-1', stepId: 'hook' };
    const request = { method: 'GET', url: 'https://example.test/ping', headers: {}, body: undefined };
    assert.equal(await repositories.deliveries.prepare(key, 2, undefined, 1, request), true);
    const [prepared] = await repositories.deliveries.list({ campaignId, limit: 10 });
    assert.ok(prepared.createdAt instanceof Date && prepared.updatedAt instanceof Date);
    assert.equal(prepared.updatedAt.getTime(), prepared.createdAt.getTime());

    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await repositories.deliveries.prepare(key, 2, undefined, 1, request), false);
    const at = new Date('2026-03-01T10:00:00Z');
    const failure = { at, latencyMs: 30, errorClass: 'timeout', error: 'no answer', status: undefined };
    assert.equal(await repositories.deliveries.recordAttempt(prepared, failure, 'retrying', 'no answer'), 1);

    const [stored] = await repositories.deliveries.list({ campaignId, limit: 10 });
    const { createdAt, updatedAt, ...rest } = stored;
    assert.equal(createdAt.getTime(), prepared.createdAt.getTime(), 'a repeated prepare changes nothing');
    assert.ok(updatedAt instanceof Date && updatedAt > createdAt, 'an attempt moves updatedAt');
    assert.deepEqual(rest, {
      ...key,
      campaignVersion: 2,
      chainDepth: 1,
      // As mongoose stored it: the request is Mixed, so its undefined body went in as null.
      request: { method: 'GET', url: 'https://example.test/ping', headers: {}, body: null },
      status: 'retrying',
      error: 'no answer',
      retryBase: 0,
      attempts: [{ attempt: 1, at, latencyMs: 30, errorClass: 'timeout', error: 'no answer' }],
    });

    const success = { at: new Date(at.getTime() + 60_000), latencyMs: 12, status: 200, responseExcerpt: 'ok' };
    assert.equal(await repositories.deliveries.recordAttempt(stored, success, 'succeeded'), 2);
    const done = await repositories.deliveries.get(key._id);
    assert.equal(done?.status, 'succeeded');
    assert.equal(done && 'error' in done, false, 'a success clears the last error');
    assert.deepEqual(done?.attempts[1], { attempt: 2, ...success });
  });

  it('a delivery stored with its first attempt reads back as one stored before it, and one left without an attempt is stored as prepared', async function () {
    const campaignId = uniqueId('campaign');
    const keyOf = (n: number) => ({
      _id: uniqueId(`msg-${n}`),
      journeyId: uniqueId('journey'),
      campaignId,
      userId: 'u-2',
      stepId: 'hook',
    });
    const request = { method: 'POST', url: 'https://example.test/hook', headers: {}, body: '{}' };
    const withAttempt = keyOf(1);
    assert.equal(await repositories.deliveries.prepare(withAttempt, 3, undefined, 0, request, true), true);
    assert.deepEqual(await repositories.deliveries.list({ campaignId, limit: 10 }), [], 'stored only with its attempt');
    const prepared = await repositories.deliveries.forFirstAttempt(withAttempt._id);
    assert.ok(prepared, 'the first attempt finds what was prepared');
    const success = {
      at: new Date('2026-03-01T10:00:00Z'),
      latencyMs: 12,
      status: 200,
      responseExcerpt: 'ok',
      errorClass: undefined,
    };
    assert.equal(await repositories.deliveries.recordAttempt(prepared, success, 'succeeded'), 1);
    const stored = await repositories.deliveries.get(withAttempt._id);
    const { createdAt, updatedAt, ...rest } = stored!;
    assert.ok(createdAt instanceof Date && updatedAt instanceof Date);
    assert.deepEqual(rest, {
      ...withAttempt,
      campaignVersion: 3,
      chainDepth: 0,
      request,
      status: 'succeeded',
      retryBase: 0,
      attempts: [{ attempt: 1, at: success.at, latencyMs: 12, status: 200, responseExcerpt: 'ok' }],
    });

    // Held by a destination's limit: no attempt, so the call stores the delivery as it was prepared.
    const held = keyOf(2);
    assert.equal(await repositories.deliveries.prepare(held, 3, undefined, 0, request, true), true);
    await repositories.deliveries.save(held._id);
    const pending = await repositories.deliveries.get(held._id);
    assert.equal(pending?.status, 'pending');
    assert.deepEqual(pending?.attempts, []);
    const retry = { at: new Date('2026-03-01T10:01:00Z'), latencyMs: 40, status: 503, responseExcerpt: 'busy' };
    assert.equal(await repositories.deliveries.recordAttempt(pending!, retry, 'retrying', 'HTTP 503'), 1);
    assert.equal((await repositories.deliveries.get(held._id))?.status, 'retrying');
  });

  it("a journey's record reads back in the user view with its Dates, version and runs", async function () {
    const journeyId = uniqueId('journey');
    const userId = uniqueId('user');
    const [enteredAt, endedAt] = [new Date('2026-03-01T10:00:00Z'), new Date('2026-03-02T10:00:00Z')];
    const admission = {
      journeyId,
      runId: 'run-1',
      campaignId: 'welcome',
      userId,
      campaignVersion: 4,
      reentry: { mode: 'afterCompletion' as const },
      now: enteredAt,
      triggerEventId: 'evt-1',
    };
    assert.deepEqual(await repositories.journeys.admit(admission), { admitted: true });
    assert.equal(await repositories.journeys.versionOf(journeyId), 4);
    assert.deepEqual(await repositories.journeys.ended(journeyId, 'run-1', 'completed', endedAt), { version: 4 });

    const [record] = await repositories.journeys.listForUser(userId, 10);
    assert.deepEqual(record, {
      _id: journeyId,
      campaignId: 'welcome',
      userId,
      runId: 'run-1',
      campaignVersion: 4,
      status: 'ended',
      runIds: ['run-1'],
      firstTriggerEventId: 'evt-1',
      enteredAt,
      endedAt,
      outcome: 'completed',
    });
    const again = { ...admission, runId: 'run-2', now: endedAt };
    assert.deepEqual(await repositories.journeys.admit(again), {
      admitted: false,
      reason: 'event evt-1 already started this journey',
    });
  });
});

// Event retention on the real Temporal dev server: the schedule created at start-up runs the
// purge workflow, which deletes events past the horizon and keeps recent ones.
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import type { Repositories } from '../../src/db/connection';
import { connectClient } from '../../src/temporal/connect';
import { ensureRetentionSchedule, retentionScheduleId } from '../../src/temporal/retention-schedule';
import { eventually, startWorker, stack, testCodec, testRepositories, uniqueId } from '../support/stack';
import { storeEvents } from '../support/events';

const DAY = 86_400_000;

describe('event retention', function () {
  this.timeout(120_000);
  const taskQueue = uniqueId('retention');
  let repositories: Repositories;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Client;

  before(async () => {
    repositories = await testRepositories(taskQueue);
    worker = await startWorker(taskQueue);
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
  });

  after(async () => {
    await client.schedule
      .getHandle(retentionScheduleId(taskQueue))
      .delete()
      .catch(() => undefined);
    await client.connection.close();
    await worker.stop();
    await repositories.connection.close();
  });

  it('purges events older than the horizon when the schedule fires, keeping recent ones', async () => {
    const now = Date.now();
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY);
    const event = (id: string, daysAgo: number) => ({
      _id: id,
      userId: 'u1',
      name: 'page_viewed',
      properties: {},
      timestamp: at(daysAgo),
      receivedAt: at(daysAgo),
    });
    await storeEvents(repositories.events, [
      event('old-1', 120),
      event('old-2', 91),
      event('recent-1', 89),
      event('recent-2', 0),
    ]);

    // Created twice, as two worker start-ups would: the second updates it.
    await ensureRetentionSchedule(client, { taskQueue, retentionMs: 30 * DAY });
    await ensureRetentionSchedule(client, { taskQueue, retentionMs: 90 * DAY });
    const handle = client.schedule.getHandle(retentionScheduleId(taskQueue));
    const description = await handle.describe();
    assert.deepEqual((description.action as { args?: unknown[] }).args, [{ retentionMs: 90 * DAY }]);

    await handle.trigger();
    await eventually(async () => ((await repositories.events.get('old-2')) === null ? true : undefined));
    assert.equal(await repositories.events.get('old-1'), null);
    assert.ok(await repositories.events.get('recent-1'));
    assert.ok(await repositories.events.get('recent-2'));
    assert.deepEqual(
      (await repositories.events.recentForUser('u1', 10)).map((e) => e.id),
      ['recent-2', 'recent-1'],
      "gone from the user's history too",
    );
    const runs = await eventually(async () => {
      const { recentActions } = (await handle.describe()).info;
      return recentActions.length > 0 ? recentActions : undefined;
    });
    const result = await client.workflow.getHandle(runs[0].action.workflow.workflowId).result();
    assert.deepEqual(result, { deleted: 2 });
  });
});

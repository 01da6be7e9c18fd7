// Fan-outs on Temporal's time-skipping server, with real activities on FerretDB and a real
// receiver: users enter at a local time in their own zone, and a long fan-out continues as new
// without losing its place or its counts.
import assert from 'node:assert/strict';
import { timeSkippingSuite } from '../support/time-skipping';
import { fanOut, fanOutProgressQuery } from '../../workflows';
import { CAMPAIGN_ID } from '../../workflows/search-attributes';
import type { FanOutInput } from '../../src/domain/fan-out';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { eventually, uniqueId } from '../support/stack';
import { storeCampaign } from '../support/campaigns';

describe('fan-outs over days (time-skipping server)', function () {
  this.timeout(300_000);
  const suite = timeSkippingSuite();

  async function activeCampaign(definition: Record<string, unknown>) {
    return storeCampaign(suite.ts.repositories.campaigns, { trigger: { event: 'scheduled' }, ...definition });
  }

  function start(input: FanOutInput) {
    return suite.ts.env.client.workflow.start(fanOut, {
      taskQueue: suite.ts.taskQueue,
      workflowId: uniqueId('fanout'),
      args: [input],
      typedSearchAttributes: [{ key: CAMPAIGN_ID, value: input.campaignId }],
    });
  }

  it('enters each user when their own clock shows the time the schedule fired at in the earliest zone', async function () {
    const { receiver, ts } = suite;
    const tag = uniqueId('local');
    const zones: Record<string, string | undefined> = {
      seoul: 'Asia/Seoul',
      newyork: 'America/New_York',
      nozone: undefined,
      badzone: 'Mars/Olympus',
    };
    await ts.repositories.profiles.merge(
      Object.entries(zones).map(([name, zone]) => ({
        userId: `${tag}-${name}`,
        properties: { tag, ...(zone && { timeZone: zone }) },
        seenAt: new Date(),
      })),
    );
    const definition = await activeCampaign({
      timeZone: { property: 'timeZone', default: 'UTC' },
      steps: [
        { id: 'send', type: 'webhook', request: { url: `${receiver.url}/digest`, body: { user: '{{user.id}}' } } },
      ],
    });
    const handle = await start({
      campaignId: definition.id,
      source: {
        audience: { field: 'user.properties.tag', op: 'eq', value: tag },
        localTime: { property: 'timeZone', defaultZone: 'UTC' },
      },
      event: { properties: {} },
      entriesPerSecond: 10,
    });
    // The worker runs only inside ts.run: every journey must complete before it stops (one cut
    // off in an activity would hold this server's clock until the activity timed out). Its
    // record says ended a moment before: the activity that writes the end then announces it.
    // Asked with describe(), which keeps the clock still (waiting on a result would let it skip
    // past the running activity's timeouts).
    const completed = async (userId: string) =>
      (await ts.env.client.workflow.getHandle(journeyWorkflowId(definition.id, userId)).describe()).status.name ===
      'COMPLETED';
    const progress = await ts.run(async () => {
      await handle.result();
      await receiver.waitFor(4);
      await eventually(
        async () =>
          (await Promise.all(Object.keys(zones).map((z) => completed(`${tag}-${z}`)))).every(Boolean) || undefined,
      );
      return handle.query(fanOutProgressQuery);
    });
    assert.equal(progress.entered, 4);
    const order = receiver.requests.map((r) => (r.json as { user: string }).user.slice(tag.length + 1));
    // Seoul (UTC+9) first, then UTC (the default, for the missing and the invalid zone), then New York (UTC-5).
    assert.equal(order[0], 'seoul');
    assert.deepEqual(order.slice(1, 3).sort(), ['badzone', 'nozone']);
    assert.equal(order[3], 'newyork');
  });

  it('continues as new when its history grows long, carrying its cursor and counts, and enters everyone once', async function () {
    const { ts } = suite;
    // An audience nobody matches keeps each journey to one check; the fan-out's own work is what is measured.
    const definition = await activeCampaign({
      audience: { field: 'user.properties.never', op: 'eq', value: true },
      steps: [{ id: 'wait', type: 'delay', duration: '1d' }],
    });
    const users = Array.from({ length: 220 }, (_, i) => ({ userId: uniqueId(`long-${i}`) }));
    const handle = await start({
      campaignId: definition.id,
      source: { users },
      event: { properties: {} },
      entriesPerSecond: 1,
    });
    const progress = await ts.run(async () => {
      await handle.result();
      return handle.query(fanOutProgressQuery);
    });
    assert.deepEqual(
      { matched: progress.matched, entered: progress.entered, skipped: progress.skipped, status: progress.status },
      { matched: 220, entered: 220, skipped: 0, status: 'completed' },
    );
    const description = await handle.describe();
    assert.notEqual(description.runId, handle.firstExecutionRunId, 'the fan-out never continued as new');
  });
});

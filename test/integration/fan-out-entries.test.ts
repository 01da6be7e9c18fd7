// The crash window of a fan-out batch, on real FerretDB and Temporal: a worker that died after
// claiming a user, or after starting the user's journey but before recording it, must leave
// a retry that enters each user exactly once.
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { createFanOutActivities } from '../../activities/fan-out';
import type { Repositories } from '../../src/db/connection';
import { entryEventId } from '../../src/domain/fan-out';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { connectClient } from '../../src/temporal/connect';
import { enterJourney } from '../../src/temporal/journeys';
import { stack, testRepositories, uniqueId, testCodec } from '../support/stack';
import { storeCampaign } from '../support/campaigns';

describe('a fan-out batch retried after a crash', function () {
  let repositories: Repositories;
  let client: Client;
  // No worker polls this queue: the journeys are only started, which is all that is checked.
  const taskQueue = uniqueId('entries');

  before(async function () {
    repositories = await testRepositories(taskQueue);
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
  });

  after(async function () {
    await repositories?.connection.close();
    await client?.connection.close();
  });

  it('skips a user whose journey an earlier attempt started, and enters one it only claimed', async function () {
    const campaign = await storeCampaign(repositories.campaigns, { trigger: { event: 'granted' } });
    const activities = createFanOutActivities({
      campaigns: repositories.campaigns,
      entries: repositories.fanOutEntries,
      profiles: repositories.profiles,
      temporal: () => ({ client, taskQueue }),
      enterJourney,
    });
    const fanOutId = uniqueId('fanout');
    const [started, claimed, fresh] = ['started', 'claimed', 'fresh'].map((s) => uniqueId(s));
    const event = { properties: {}, timestamp: new Date().toISOString() };

    // The earlier attempt claimed two users and started one journey, then died.
    await repositories.fanOutEntries.claim(fanOutId, [started, claimed], new Date());
    await enterJourney(client, taskQueue, campaign, 1, {
      id: entryEventId(fanOutId, started),
      name: 'granted',
      userId: started,
      timestamp: event.timestamp,
      properties: {},
    });

    const users = [started, claimed, fresh].map((userId) => ({ userId }));
    assert.deepEqual(await activities.enterFanOutUsers({ fanOutId, campaignId: campaign.id, users, event }), {
      campaign: 'active',
      entered: 2,
      skipped: 1,
    });
    for (const userId of [claimed, fresh]) {
      assert.equal(
        (await client.workflow.getHandle(journeyWorkflowId(campaign.id, userId)).describe()).status.name,
        'RUNNING',
      );
    }
    // A second retry finds every user entered.
    assert.deepEqual(await activities.enterFanOutUsers({ fanOutId, campaignId: campaign.id, users, event }), {
      campaign: 'active',
      entered: 0,
      skipped: 3,
    });

    await repositories.campaigns.transition(campaign.id, ['active'], 'paused');
    assert.deepEqual(await activities.enterFanOutUsers({ fanOutId, campaignId: campaign.id, users, event }), {
      campaign: 'paused',
    });
    for (const { userId } of users)
      await client.workflow.getHandle(journeyWorkflowId(campaign.id, userId)).terminate('test done');
  });
});

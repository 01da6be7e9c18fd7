// Scheduled campaigns on the real Temporal dev server: activating creates the campaign's
// Temporal Schedule, each firing enters the segment's users through a fan-out, pausing pauses
// it, archiving deletes it, and a bad cron is refused with a 400 naming it.
import assert from 'node:assert/strict';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Repositories } from '../../src/db/connection';
import type { RunningGateway } from '../../src/gateway/start';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { EARLIEST_ZONE } from '../../src/domain/local-time-phases';
import { campaignScheduleId } from '../../src/temporal/campaign-schedules';
import { connectClient } from '../../src/temporal/connect';
import { Receiver } from '../support/receiver';
import {
  api,
  eventually,
  stack,
  startTestGateway,
  startWorker,
  testRepositories,
  uniqueId,
  testCodec,
} from '../support/stack';

describe('scheduled campaigns', function () {
  this.timeout(300_000);
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let repositories: Repositories;
  let client: Client;
  const taskQueue = uniqueId('schedule');

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    repositories = await testRepositories(taskQueue);
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
    await repositories?.connection.close();
    await client?.connection.close();
  });

  function campaign(id: string, schedule: unknown) {
    return {
      id,
      name: 'Weekly digest',
      trigger: { event: 'digest_requested' },
      schedule,
      steps: [
        {
          id: 'send',
          type: 'webhook',
          request: { url: `${receiver.url}/digest`, body: { user: '{{user.id}}', campaign: '{{campaign.id}}' } },
        },
      ],
    };
  }

  const usersReached = (campaignId: string) =>
    receiver.requests
      .map((r) => r.json as { user: string; campaign: string })
      .filter((b) => b.campaign === campaignId)
      .map((b) => b.user)
      .sort();

  const scheduleOf = (campaignId: string) => client.schedule.getHandle(campaignScheduleId(campaignId));

  it("enters the segment's users each time the schedule fires, and follows the campaign's lifecycle", async function () {
    const prefix = uniqueId('reader');
    await repositories.profiles.merge(
      ['a', 'b', 'c', 'd', 'e'].map((s, i) => ({
        userId: `${prefix}-${s}`,
        properties: { plan: i < 3 ? 'gold' : 'free' },
        seenAt: new Date(),
      })),
    );
    const segmentId = uniqueId('gold');
    await repositories.segments.create({
      id: segmentId,
      name: 'Gold readers',
      condition: { field: 'user.properties.plan', op: 'eq', value: 'gold' },
    });
    const campaignId = uniqueId('digest');
    assert.equal(
      (
        await api(
          gateway,
          'POST',
          '/v1/campaigns',
          campaign(campaignId, { segment: segmentId, at: '2099-01-01T09:00:00Z' }),
        )
      ).status,
      201,
    );
    await assert.rejects(scheduleOf(campaignId).describe(), ScheduleNotFoundError, 'a draft has no schedule');
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
    const described = await scheduleOf(campaignId).describe();
    assert.equal(described.state.paused, false);
    assert.equal(described.info.nextActionTimes[0]?.toISOString(), '2099-01-01T09:00:00.000Z');

    const gold = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    await scheduleOf(campaignId).trigger();
    await eventually(async () => (usersReached(campaignId).length >= 3 ? true : undefined), 120_000);
    assert.deepEqual(usersReached(campaignId), gold);
    const [fired] = await eventually(async () => {
      const { body } = await api(gateway, 'GET', `/v1/campaigns/${campaignId}/fanouts`);
      return body.fanOuts.length > 0 && body.fanOuts.every((f: { execution: string }) => f.execution === 'COMPLETED')
        ? body.fanOuts
        : undefined;
    }, 120_000);
    assert.equal(fired.progress.entered, 3);

    // The next tick enters them again once their first journeys have ended (a running
    // journey takes a repeated entry as an event it already follows).
    const ended = async (userId: string) =>
      (await client.workflow.getHandle(journeyWorkflowId(campaignId, userId)).describe()).status.name === 'COMPLETED';
    await eventually(async () => ((await Promise.all(gold.map(ended))).every(Boolean) ? true : undefined), 60_000);
    // The schedule skips a firing while it believes its last fan-out still runs (overlap
    // policy SKIP), and it learns of that fan-out's end a moment after the fact.
    await eventually(
      async () => ((await scheduleOf(campaignId).describe()).info.runningActions.length === 0 ? true : undefined),
      60_000,
    );
    const fanOuts = async () =>
      (await api(gateway, 'GET', `/v1/campaigns/${campaignId}/fanouts`)).body.fanOuts as Array<{
        execution: string;
        progress: unknown;
        startedAt: string;
      }>;
    // A firing's fan-out is named by the schedule's action time in whole seconds, so a second
    // firing within the same second would be taken for a repeat of the first.
    const nextSecond = Math.floor(Date.parse(fired.startedAt) / 1000) * 1000 + 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, nextSecond - Date.now())));
    const asked = Date.now();
    await scheduleOf(campaignId).trigger();
    // A busy scheduler can leave a manual trigger unserved for a long while; ask once more if
    // no fan-out starts after this trigger (a third would enter the users a third time, and fail
    // below). Only fan-outs started since count: a scheduler may serve the first trigger twice.
    const startedSince = async () => (await fanOuts()).filter((f) => Date.parse(f.startedAt) >= asked).length;
    const second = await eventually(async () => ((await startedSince()) >= 1 ? true : undefined), 45_000).catch(
      () => false,
    );
    if (!second) await scheduleOf(campaignId).trigger();
    await eventually(async () => (usersReached(campaignId).length >= 6 ? true : undefined), 120_000).catch(
      async (err) => {
        throw new Error(
          `${err.message}: reached ${JSON.stringify(usersReached(campaignId))}, fan-outs ${JSON.stringify(await fanOuts())}`,
        );
      },
    );
    assert.deepEqual(usersReached(campaignId), [...gold, ...gold].sort());

    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/pause`)).status, 200);
    // The scheduler takes the pause as a signal: its state shows it a moment later.
    await eventually(async () => ((await scheduleOf(campaignId).describe()).state.paused ? true : undefined), 15_000);
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/resume`)).status, 200);
    await eventually(async () => ((await scheduleOf(campaignId).describe()).state.paused ? undefined : true), 15_000);
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/archive`)).status, 200);
    await assert.rejects(scheduleOf(campaignId).describe(), ScheduleNotFoundError);
  });

  it('fires a local-time recurrence in the earliest zone, so that every zone can still enter at its own time; an edit without the schedule deletes it', async function () {
    const campaignId = uniqueId('monday');
    const definition = campaign(campaignId, {
      audience: { field: 'user.properties.plan', op: 'eq', value: 'gold' },
      cron: '0 10 * * 1',
      localTime: true,
    });
    assert.equal((await api(gateway, 'POST', '/v1/campaigns', definition)).status, 201);
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
    const described = await scheduleOf(campaignId).describe();
    assert.equal(described.spec.timezone, EARLIEST_ZONE);
    // Its fan-out waits a day for the last zone, so the next firing must start beside it.
    assert.equal(described.policies.overlap, ScheduleOverlapPolicy.ALLOW_ALL);
    // An edit that drops the schedule deletes it; the campaign goes on with its event trigger.
    const { schedule: _dropped, ...unscheduled } = definition;
    assert.equal((await api(gateway, 'PUT', `/v1/campaigns/${campaignId}`, unscheduled)).status, 200);
    await assert.rejects(scheduleOf(campaignId).describe(), ScheduleNotFoundError);
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/archive`)).status, 200);
  });

  it('refuses a bad schedule with a 400 naming the field', async function () {
    const cases: Array<[unknown, string]> = [
      [{ audience: { field: 'user.properties.plan', op: 'eq', value: 'gold' }, cron: '61 * * * *' }, 'schedule.cron'],
      [{ audience: { field: 'user.properties.plan', op: 'eq', value: 'gold' }, cron: '0 10 * *' }, 'schedule.cron'],
      [
        {
          audience: { field: 'user.properties.plan', op: 'eq', value: 'gold' },
          cron: '0 10 * * 1',
          timeZone: 'Mars/Olympus',
        },
        'schedule.timeZone',
      ],
      [
        {
          audience: { field: 'user.properties.plan', op: 'eq', value: 'gold' },
          at: '2099-01-01T09:00:00Z',
          localTime: true,
        },
        'schedule.localTime',
      ],
      [{ audience: { field: 'user.properties.plan', op: 'eq', value: 'gold' }, at: 'next monday' }, 'schedule.at'],
      [{ cron: '0 10 * * 1' }, 'schedule'],
      [{ segment: 'no-such-segment', cron: '0 10 * * 1' }, 'schedule.segment'],
    ];
    for (const [schedule, path] of cases) {
      const answer = await api(gateway, 'POST', '/v1/campaigns', campaign(uniqueId('bad'), schedule));
      assert.equal(answer.status, 400, JSON.stringify(schedule));
      assert.ok(
        answer.body.error.issues.some((i: { path: string }) => i.path === path),
        `${path}: ${JSON.stringify(answer.body.error.issues)}`,
      );
    }
  });
});

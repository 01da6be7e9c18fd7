// A campaign's life as a marketer and an operator see it, end to end on the real Temporal dev
// server and FerretDB: pause and resume, archive, versions, the re-entry modes, and connected
// campaigns through hookway.* system events (including the loop guard).
import assert from 'node:assert/strict';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RunningGateway } from '../../src/gateway/start';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { SYSTEM_EVENT } from '../../src/domain/system-events';
import { connectClient } from '../../src/temporal/connect';
import { enterJourney } from '../../src/temporal/journeys';
import { stateQuery } from '../../workflows';
import { Receiver } from '../support/receiver';
import type { Repositories } from '../../src/db/connection';
import {
  api,
  eventually,
  stack,
  startTestGateway,
  startWorker,
  testCodec,
  testRepositories,
  uniqueId,
} from '../support/stack';

describe('campaign lifecycle, versions, re-entry and connected campaigns, end to end', function () {
  let gateway: RunningGateway;
  let receiver: Receiver;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Client;
  let repositories: Repositories;
  const taskQueue = uniqueId('lifecycle');
  const created: string[] = [];

  /** Creates the campaign (under a fresh id unless it names one), activates it, returns its id. */
  async function createActive(definition: Record<string, unknown>): Promise<string> {
    const id = (definition.id as string | undefined) ?? uniqueId('campaign');
    const saved = await api(gateway, 'POST', '/v1/campaigns', { name: `Campaign ${id}`, ...definition, id });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    created.push(id);
    const activated = await api(gateway, 'POST', `/v1/campaigns/${id}/activate`);
    assert.equal(activated.status, 200, JSON.stringify(activated.body));
    return id;
  }

  /** Sends one event, as the customer's product would, under a fresh event id. */
  async function send(userId: string, name: string, properties?: Record<string, unknown>): Promise<string> {
    const id = uniqueId('evt');
    const sent = await api(gateway, 'POST', '/v1/events', { id, userId, name, ...(properties && { properties }) });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    assert.equal(sent.body.accepted, 1);
    return id;
  }

  /** A webhook step to `url` that names the user in x-user, so each test can pick its own requests. */
  function webhook(url: string, body: unknown) {
    return {
      id: 'send',
      type: 'webhook',
      request: { method: 'POST', url, headers: { 'x-user': '{{user.id}}' }, body },
    };
  }

  const requestsFor = (userId: string) => receiver.requests.filter((r) => r.headers['x-user'] === userId);

  async function statusOf(workflowId: string, runId?: string): Promise<string | undefined> {
    try {
      return (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Waits until the gateway has handed off every event it stored (the outbox is empty): from then
   * on, an event that started nothing never will.
   */
  async function handedOff(eventIds: string[] = []): Promise<void> {
    await eventually(async () => {
      const stored = await Promise.all(eventIds.map((id) => repositories.events.get(id)));
      return stored.every(Boolean) && (await repositories.events.oldestUnrouted()) === undefined ? true : undefined;
    }, 15_000);
  }

  function waitForStatus(workflowId: string, status: string, runId?: string): Promise<true> {
    return eventually(async () => ((await statusOf(workflowId, runId)) === status ? true : undefined), 15_000);
  }

  /** Every run of a workflow id, from the (eventually consistent) visibility store. */
  async function runsOf(workflowId: string): Promise<Array<{ runId: string; status: string }>> {
    const runs = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      runs.push({ runId: execution.runId, status: execution.status.name });
    }
    return runs;
  }

  before(async function () {
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
    repositories = await testRepositories(taskQueue);
  });

  after(async function () {
    // Archiving cancels what is left running (1-hour delays) on the shared dev server.
    if (gateway)
      for (const id of created) await api(gateway, 'POST', `/v1/campaigns/${id}/archive`).catch(() => undefined);
    await client?.connection.close();
    await repositories?.connection.close();
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
  });

  beforeEach(function () {
    receiver.requests.length = 0;
  });

  it('pause holds a running journey before its next webhook and takes no new entries; resume sends the held webhook', async function () {
    const id = await createActive({
      trigger: { event: 'pause_test_started' },
      steps: [
        { id: 'wait', type: 'delay', duration: '2s' },
        webhook(`${receiver.url}/paused`, { hello: '{{user.id}}' }),
      ],
    });
    const [userA, userB] = [uniqueId('user'), uniqueId('user')];
    await send(userA, 'pause_test_started');
    const journeyA = journeyWorkflowId(id, userA);
    await waitForStatus(journeyA, 'RUNNING');

    const paused = await api(gateway, 'POST', `/v1/campaigns/${id}/pause`);
    assert.equal(paused.status, 200);
    assert.equal(paused.body.status, 'paused');
    const eventB = await send(userB, 'pause_test_started');

    // A's 2 s delay ends while paused: the journey holds instead of sending.
    const state = await eventually(async () => {
      const current = await client.workflow.getHandle(journeyA).query(stateQuery);
      return current.waitingFor === 'campaign paused' ? current : undefined;
    }, 15_000);
    assert.equal(state.currentStep, 'send');
    assert.equal(receiver.requests.length, 0, 'a paused campaign sends no webhook');
    await handedOff([eventB]);
    assert.equal(await statusOf(journeyWorkflowId(id, userB)), undefined, 'a paused campaign takes no new entries');

    const resumed = await api(gateway, 'POST', `/v1/campaigns/${id}/resume`);
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.status, 'active');
    assert.ok(resumed.body.resumedJourneys >= 1, `resumedJourneys: ${resumed.body.resumedJourneys}`);

    // Well inside the 5-minute recheck: the resume signal woke the journey.
    const [sent] = await receiver.waitFor(1, 10_000);
    assert.equal(sent.headers['x-user'], userA);
    assert.deepEqual(sent.json, { hello: userA });
    assert.deepEqual(await client.workflow.getHandle(journeyA).result(), { outcome: 'completed' });
    await handedOff();
    assert.equal(requestsFor(userB).length, 0, 'an event sent while paused is not replayed on resume');
    assert.equal(await statusOf(journeyWorkflowId(id, userB)), undefined);
  });

  it('archive cancels running journeys, starts no new ones, and cannot be undone', async function () {
    const id = await createActive({
      trigger: { event: 'archive_test_started' },
      steps: [{ id: 'wait', type: 'delay', duration: '1h' }, webhook(`${receiver.url}/archived`, { never: true })],
    });
    const users = [uniqueId('user'), uniqueId('user')];
    for (const user of users) await send(user, 'archive_test_started');
    for (const user of users) await waitForStatus(journeyWorkflowId(id, user), 'RUNNING');
    // What the operator sees before archiving: two journeys running on version 1.
    await eventually(async () => {
      const { body } = await api(gateway, 'GET', `/v1/campaigns/${id}`);
      return body.versions[0].runningJourneys === 2 ? true : undefined;
    }, 10_000);

    const archived = await api(gateway, 'POST', `/v1/campaigns/${id}/archive`);
    assert.equal(archived.status, 200);
    assert.equal(archived.body.status, 'archived');
    assert.equal(archived.body.cancelledJourneys, 2);
    for (const user of users) await waitForStatus(journeyWorkflowId(id, user), 'CANCELLED');

    const late = uniqueId('user');
    await handedOff([await send(late, 'archive_test_started')]);
    assert.equal(await statusOf(journeyWorkflowId(id, late)), undefined, 'an archived campaign starts no journey');
    assert.equal(receiver.requests.length, 0);

    const reactivated = await api(gateway, 'POST', `/v1/campaigns/${id}/activate`);
    assert.equal(reactivated.status, 409);
    assert.equal(reactivated.body.error.code, 'conflict');
    assert.equal((await api(gateway, 'GET', `/v1/campaigns/${id}`)).body.status, 'archived');
  });

  it('an edit is a new version: a running journey finishes on its own version, new ones start on the new one', async function () {
    const definition = (v: number) => ({
      trigger: { event: 'version_test_started' },
      steps: [{ id: 'wait', type: 'delay', duration: '3s' }, webhook(`${receiver.url}/versions`, { v })],
    });
    const id = await createActive(definition(1));
    const [userA, userB] = [uniqueId('user'), uniqueId('user')];
    await send(userA, 'version_test_started');
    await waitForStatus(journeyWorkflowId(id, userA), 'RUNNING');

    const edited = await api(gateway, 'PUT', `/v1/campaigns/${id}`, { id, name: 'Edited', ...definition(2) });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.version, 2);
    assert.equal(edited.body.status, 'active');
    await send(userB, 'version_test_started');

    // While both wait: one journey on each version.
    const shown = await eventually(async () => {
      const { body } = await api(gateway, 'GET', `/v1/campaigns/${id}`);
      return body.versions.every((v: { runningJourneys: number }) => v.runningJourneys === 1) ? body : undefined;
    }, 10_000);
    assert.equal(shown.version, 2);
    assert.equal(shown.definition.name, 'Edited');
    assert.deepEqual(
      shown.versions.map((v: { version: number; current: boolean; runningJourneys: number }) => ({
        version: v.version,
        current: v.current,
        running: v.runningJourneys,
      })),
      [
        { version: 1, current: false, running: 1 },
        { version: 2, current: true, running: 1 },
      ],
    );

    await receiver.waitFor(2, 15_000);
    assert.deepEqual(
      requestsFor(userA).map((r) => r.json),
      [{ v: 1 }],
      'A started on version 1 and keeps it',
    );
    assert.deepEqual(
      requestsFor(userB).map((r) => r.json),
      [{ v: 2 }],
      'B started on version 2',
    );
  });

  it('re-entry restart: a second trigger replaces the running journey', async function () {
    const id = await createActive({
      trigger: { event: 'restart_test_started' },
      reentry: { mode: 'restart' },
      steps: [{ id: 'wait', type: 'delay', duration: '1h' }, webhook(`${receiver.url}/restart`, { never: true })],
    });
    const user = uniqueId('user');
    const workflowId = journeyWorkflowId(id, user);
    await send(user, 'restart_test_started');
    await waitForStatus(workflowId, 'RUNNING');
    const first = (await client.workflow.getHandle(workflowId).describe()).runId;

    const secondEvent = await send(user, 'restart_test_started');
    const runs = await eventually(async () => {
      const found = await runsOf(workflowId);
      return found.length === 2 && found.some((r) => r.status === 'RUNNING') ? found : undefined;
    }, 15_000);
    assert.deepEqual(runs.find((r) => r.runId === first)?.status, 'TERMINATED', 'the first run was replaced');
    const second = runs.find((r) => r.runId !== first)!;
    assert.equal(second.status, 'RUNNING');
    // The new run goes through admission first; then it waits in the delay like the one it replaced.
    // (The state query is only registered once admission is over, hence the polling.)
    const handle = client.workflow.getHandle(workflowId, second.runId);
    await eventually(
      async () => ((await handle.query(stateQuery).catch(() => undefined))?.currentStep === 'wait' ? true : undefined),
      10_000,
    );

    // The replaced run could not record its end; the run that replaced it counts it, then its own
    // entry (each after its system event is stored, so the two counts may land a moment apart).
    const totals = await eventually(async () => {
      const { body } = await api(gateway, 'GET', `/v1/campaigns/${id}/stats`);
      return body.totals.exited.replaced === 1 && body.totals.entered === 2 ? body.totals : undefined;
    }, 20_000);
    assert.equal(totals.entered, 2);
    assert.deepEqual(totals.exited, { replaced: 1 });

    // The outbox may hand an event off again when it could not record the first hand-off: the
    // journey that event started goes on, and is not replaced by itself.
    const { body: campaign } = await api(gateway, 'GET', `/v1/campaigns/${id}`);
    const again = {
      id: secondEvent,
      name: 'restart_test_started',
      userId: user,
      timestamp: new Date().toISOString(),
      properties: {},
    };
    // The hand-off is done when enterJourney returns: it starts or signals nothing later.
    await enterJourney(client, taskQueue, campaign.definition, campaign.version, again);
    assert.deepEqual((await runsOf(workflowId)).map((r) => r.status).sort(), ['RUNNING', 'TERMINATED']);
  });

  it('re-entry restart: each trigger event is handed to its journey once, so a batch restarts nobody', async function () {
    // A batch takes the gateway longer to hand to Temporal than one outbox-sweep interval,
    // which must not hand the same events off a second time (for restart: a restart).
    const id = await createActive({
      trigger: { event: 'restart_batch_started' },
      reentry: { mode: 'restart' },
      steps: [{ id: 'wait', type: 'delay', duration: '1h' }, webhook(`${receiver.url}/restart-batch`, { never: true })],
    });
    const users = Array.from({ length: 48 }, () => uniqueId('user'));
    const sent = await api(gateway, 'POST', '/v1/events', {
      events: users.map((userId) => ({ id: uniqueId('evt'), userId, name: 'restart_batch_started' })),
    });
    assert.equal(sent.body.accepted, users.length);
    await eventually(
      async () =>
        (await client.workflow.count(`CampaignId = "${id}" AND ExecutionStatus = "Running"`)).count === users.length
          ? true
          : undefined,
      30_000,
    );
    // Every event handed off (none left for a sweep to hand off again), and every start recorded.
    await handedOff();
    const runs = (await client.workflow.count(`CampaignId = "${id}"`)).count;
    const replaced = (await client.workflow.count(`CampaignId = "${id}" AND ExecutionStatus = "Terminated"`)).count;
    assert.deepEqual(
      { runs, replaced },
      { runs: users.length, replaced: 0 },
      'one run per user: no event restarted a journey it had started',
    );
  });

  it('re-entry parallel: one journey per order, and an exit event ends them all', async function () {
    const id = await createActive({
      trigger: { event: 'order_placed' },
      reentry: { mode: 'parallel', key: 'event.properties.orderId' },
      exitOn: [{ event: 'order_cancelled' }],
      steps: [
        { id: 'wait', type: 'delay', duration: '1h' },
        webhook(`${receiver.url}/orders`, { order: '{{event.properties.orderId}}' }),
      ],
    });
    const user = uniqueId('user');
    await send(user, 'order_placed', { orderId: 'o-1' });
    await send(user, 'order_placed', { orderId: 'o-2' });
    const ids = ['o-1', 'o-2'].map((order) => `${journeyWorkflowId(id, user)}/${order}`);
    for (const workflowId of ids) await waitForStatus(workflowId, 'RUNNING');
    // The exit event reaches the user's journeys through visibility; wait until it lists both.
    await eventually(async () => {
      const { count } = await client.workflow.count(
        `CampaignId = "${id}" AND UserId = "${user}" AND ExecutionStatus = "Running"`,
      );
      return count === 2 ? true : undefined;
    }, 10_000);

    await send(user, 'order_cancelled');
    for (const workflowId of ids) {
      assert.deepEqual(await client.workflow.getHandle(workflowId).result(), {
        outcome: 'exited',
        reason: 'event:order_cancelled',
      });
    }
    assert.equal(receiver.requests.length, 0);
  });

  it('re-entry once: a user who went through the journey is not admitted again', async function () {
    const id = await createActive({
      trigger: { event: 'once_test_started' },
      reentry: { mode: 'once' },
      steps: [webhook(`${receiver.url}/once`, { welcome: '{{user.id}}' })],
    });
    const user = uniqueId('user');
    const workflowId = journeyWorkflowId(id, user);
    await send(user, 'once_test_started');
    await receiver.waitFor(1, 10_000);
    await waitForStatus(workflowId, 'COMPLETED');
    const first = (await client.workflow.getHandle(workflowId).describe()).runId;
    assert.deepEqual(await client.workflow.getHandle(workflowId, first).result(), { outcome: 'completed' });

    await send(user, 'once_test_started');
    const second = await eventually(async () => {
      const description = await client.workflow.getHandle(workflowId).describe();
      return description.runId !== first && description.status.name === 'COMPLETED' ? description.runId : undefined;
    }, 15_000);
    const result = await client.workflow.getHandle(workflowId, second).result();
    assert.equal(result.outcome, 'notAdmitted');
    assert.equal(requestsFor(user).length, 1, 'no second webhook');
  });

  it('connected campaigns: a failed webhook in one campaign triggers another, which knows the failed webhook', async function () {
    const failing = await Receiver.start();
    try {
      failing.answerWith({ status: 400, body: '{"error":"bad request"}' });
      const first = uniqueId('campaign-a');
      const second = await createActive({
        trigger: {
          event: SYSTEM_EVENT.webhookFailed,
          where: { field: 'event.properties.campaignId', op: 'eq', value: first },
        },
        steps: [
          webhook(`${receiver.url}/on-failure`, {
            failed: '{{event.properties.webhookId}}',
            campaign: '{{event.properties.campaignId}}',
          }),
        ],
      });
      await createActive({
        id: first,
        trigger: { event: 'connected_test_started' },
        steps: [webhook(`${failing.url}/a`, { attempt: true })],
      });
      const user = uniqueId('user');
      await send(user, 'connected_test_started');

      const [rejected] = await failing.waitFor(1, 10_000);
      assert.equal(rejected.path, '/a');
      assert.equal((await client.workflow.getHandle(journeyWorkflowId(first, user)).result()).outcome, 'webhookFailed');
      const [followUp] = await receiver.waitFor(1, 15_000);
      assert.equal(followUp.path, '/on-failure');
      assert.equal(followUp.headers['x-user'], user, 'the follow-up goes to the same user');
      assert.deepEqual(followUp.json, { failed: rejected.headers['webhook-id'], campaign: first });
      assert.notEqual(
        await statusOf(journeyWorkflowId(second, user)),
        undefined,
        'the second campaign ran a journey for the user',
      );
      assert.equal(failing.requests.length, 1, '400 is not retried');
    } finally {
      await failing.close();
    }
  });

  it('loops are prevented: a campaign triggered by journey entries is not re-triggered by its own entry', async function () {
    const onEntry = await createActive({
      trigger: { event: SYSTEM_EVENT.journeyEntered },
      steps: [webhook(`${receiver.url}/on-entry`, { entered: '{{event.properties.campaignId}}' })],
    });
    const source = await createActive({
      trigger: { event: 'loop_test_started' },
      steps: [webhook(`${receiver.url}/source`, { source: true })],
    });
    const user = uniqueId('user');
    await send(user, 'loop_test_started');

    await eventually(async () => (requestsFor(user).some((r) => r.path === '/on-entry') ? true : undefined), 15_000);
    // Both journeys over, and every system event they wrote matched and handed off: a loop
    // would have started another journey by now.
    for (const campaign of [source, onEntry])
      await client.workflow.getHandle(journeyWorkflowId(campaign, user)).result();
    await handedOff();
    const onEntryCalls = requestsFor(user).filter((r) => r.path === '/on-entry');
    assert.deepEqual(
      onEntryCalls.map((r) => r.json),
      [{ entered: source }],
      'exactly one webhook, for the source campaign entry',
    );
    assert.equal(requestsFor(user).filter((r) => r.path === '/source').length, 1);
    assert.equal(
      (await runsOf(journeyWorkflowId(onEntry, user))).length,
      1,
      'the entry campaign ran once for the user',
    );
  });
});

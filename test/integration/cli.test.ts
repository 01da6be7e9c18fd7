// The operator CLI as an operator runs it: `node dist/src/cli/main.js …` as a subprocess
// against the real gateway, worker, Temporal dev server and FerretDB, asserting on what it
// prints and how it exits.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { journeyWorkflowId } from '../../src/domain/journey-id';
import { TOOL_PATHS } from '../../src/embedded/tools';
import type { RunningGateway } from '../../src/gateway/start';
import { connectClient } from '../../src/temporal/connect';
import { Receiver } from '../support/receiver';
import {
  API_KEY,
  api,
  eventually,
  stack,
  startTestGateway,
  startWorker,
  uniqueId,
  testCodec,
  TEST_CODEC_KEYS,
} from '../support/stack';

const CLI = path.join(__dirname, '../../src/cli/main.js');
const FIXTURES = path.join(__dirname, '../../../test/fixtures/histories');
/** Running journeys the batch cancel ends: the 200. */
const BULK = 200;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the hookway CLI, as an operator runs it', function () {
  // Each command is a process of its own (about a second to start); the bulk cancel takes longest.
  this.timeout(120_000);
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let receiver: Receiver;
  let client: Client;
  let dir: string;
  const taskQueue = uniqueId('cli');

  function hookway(...args: string[]): Promise<Run> {
    return hookwayWith({}, ...args);
  }

  function hookwayWith(settings: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
    const env = {
      ...process.env,
      HOOKWAY_URL: gateway.url,
      HOOKWAY_API_KEY: API_KEY,
      HOOKWAY_CODEC_KEYS: TEST_CODEC_KEYS,
      TEMPORAL_ADDRESS: stack().temporalAddress,
      ...settings,
    };
    return new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env, timeout: 90_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }

  /** Runs a command that must succeed and returns its --json output. */
  async function hookwayJson<T = any>(...args: string[]): Promise<T> {
    const run = await hookway(...args, '--json');
    assert.equal(run.code, 0, `hookway ${args.join(' ')} failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as T;
  }

  async function createActive(definition: Record<string, unknown>): Promise<string> {
    const id = uniqueId('cli-campaign');
    const saved = await api(gateway, 'POST', '/v1/campaigns', { id, name: `CLI ${id}`, ...definition });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${id}/activate`)).status, 200);
    return id;
  }

  const statusOf = async (workflowId: string) => (await client.workflow.getHandle(workflowId).describe()).status.name;
  const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at /m, `a stack trace was printed:\n${text}`);

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-cli-'));
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    client = await connectClient(stack().temporalAddress, 'default', testCodec());
  });

  after(async function () {
    await client?.connection.close();
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints --help for the program, every command group and their commands', async function () {
    const helps = [
      [],
      ['campaigns'],
      ['campaigns', 'cancel'],
      ['journeys'],
      ['journeys', 'show'],
      ['replay'],
      ['deliveries'],
      ['deliveries', 'redeliver'],
      ['events', 'send'],
      ['stats'],
    ];
    const runs = await Promise.all(helps.map((words) => hookway(...words, '--help')));
    runs.forEach((run, i) => {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: hookway ${helps[i].join(' ')}`.trimEnd()));
    });
    assert.match(runs[2].stdout, /--terminate/);
    assert.match(runs[2].stdout, /--json/);
  });

  describe('a campaign created from YAML', function () {
    let campaignId: string;
    const trigger = uniqueId('cli_evt');

    const yamlCampaign = (
      id: string,
      duration: string,
    ) => `# a day-one nudge, as an operator would keep it in a repository
id: ${id}
name: CLI nudge
trigger:
  event: ${trigger}
steps:
  - id: wait
    type: delay
    duration: ${duration}
  - id: nudge
    type: webhook
    request:
      url: ${receiver.url}/nudge
`;

    it('is created and activated; a file with a mistake exits non-zero naming the field and its line, without a stack trace', async function () {
      campaignId = uniqueId('cli-yaml');
      const bad = path.join(dir, 'bad.yaml');
      writeFileSync(bad, yamlCampaign(campaignId, 'soon'));
      const refused = await hookway('campaigns', 'create', '-f', bad);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /^error: .*bad\.yaml: the campaign is invalid/);
      assert.match(refused.stderr, /steps\.0\.duration: .*\(.*bad\.yaml:9\)/);
      noStackTrace(refused.stderr);

      const good = path.join(dir, 'good.yaml');
      writeFileSync(good, yamlCampaign(campaignId, '1h'));
      const created = await hookway('campaigns', 'create', '-f', good);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, new RegExp(`created campaign ${campaignId} \\(draft, version 1\\)`));
      const activated = await hookway('campaigns', 'activate', campaignId);
      assert.equal(activated.code, 0, activated.stderr);
      assert.match(activated.stdout, new RegExp(`campaign ${campaignId} is active`));
      assert.equal((await hookwayJson('campaigns', 'show', campaignId)).status, 'active');

      const again = await hookway('campaigns', 'activate', campaignId);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^error: campaign ".*" is active; it can activate only from draft or paused\n$/);
    });

    it('starts a journey from `events send`, which `journeys list --campaign` finds and `journeys show` explains', async function () {
      const userId = uniqueId('user');
      const workflowId = journeyWorkflowId(campaignId, userId);
      const sent = await hookway(
        'events',
        'send',
        '--user',
        userId,
        '--name',
        trigger,
        '--prop',
        'dropPercent=5',
        '--prop',
        'note=hello',
        '--user-prop',
        'phone=+821012345678',
      );
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stdout, /^accepted: /);

      const listed = await eventually(async () => {
        const { journeys } = await hookwayJson('journeys', 'list', '--campaign', campaignId);
        return journeys.find((j: { workflowId: string }) => j.workflowId === workflowId);
      }, 20_000);
      assert.deepEqual(
        { status: listed.status, userId: listed.userId, version: listed.version },
        { status: 'RUNNING', userId, version: '1' },
      );
      const withoutKeys = await hookwayWith(
        { HOOKWAY_CODEC_KEYS: '', HOOKWAY_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'hookway-no-keys-')) },
        ...['journeys', 'list', '--campaign', campaignId],
      );
      assert.equal(withoutKeys.code, 1);
      assert.match(withoutKeys.stderr, /^error: the journeys' payloads are encrypted .*HOOKWAY_CODEC_KEYS/);
      noStackTrace(withoutKeys.stderr);
      const table = await hookway('journeys', 'list', '--campaign', campaignId, '--status', 'running');
      assert.match(table.stdout, /^WORKFLOW ID\s+STATUS\s+CAMPAIGN/);
      assert.match(table.stdout, new RegExp(`${workflowId}\\s+RUNNING\\s+${campaignId}`));

      const shown = await eventually(async () => {
        const journey = await hookwayJson('journeys', 'show', workflowId);
        return journey.state?.currentStep === 'wait' ? journey : undefined;
      }, 20_000);
      assert.match(shown.state.waitingFor, /delay/);
      const text = await hookway('journeys', 'show', workflowId);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /current step\s+wait/);
      assert.match(text.stdout, /waiting for\s+delay/);

      const cancelled = await hookway('journeys', 'cancel', workflowId);
      assert.equal(cancelled.code, 0, cancelled.stderr);
      await eventually(async () => ((await statusOf(workflowId)) === 'CANCELLED' ? true : undefined), 15_000);
    });
  });

  it(`cancels all ${BULK} running journeys of a campaign through one batch operation`, async function () {
    // About 20 s on an idle two-core machine; several times that while other suites share it.
    this.timeout(240_000);
    const campaignId = await createActive({
      trigger: { event: 'bulk_cancel' },
      steps: [
        { id: 'wait', type: 'delay', duration: '1h' },
        { id: 'hook', type: 'webhook', request: { url: `${receiver.url}/bulk` } },
      ],
    });
    const events = Array.from({ length: BULK }, (_, i) => ({ userId: `bulk-user-${i}`, name: 'bulk_cancel' }));
    const sent = await api(gateway, 'POST', '/v1/events', { events });
    assert.equal(sent.body.accepted, BULK, JSON.stringify(sent.body));
    const running = `CampaignId = "${campaignId}" AND ExecutionStatus = "Running"`;
    // Every journey past its entry checks and in its delay, so each one's end is recorded on cancel.
    const waiting = `${running} AND JourneyStep = "wait"`;
    await eventually(async () => ((await client.workflow.count(waiting)).count === BULK ? true : undefined), 120_000);

    assert.deepEqual(await hookwayJson('campaigns', 'cancel', campaignId), { cancelled: BULK });
    const cancelled = `CampaignId = "${campaignId}" AND ExecutionStatus = "Canceled"`;
    await eventually(async () => ((await client.workflow.count(cancelled)).count === BULK ? true : undefined), 90_000);
    assert.equal((await client.workflow.count(running)).count, 0);
  });

  it('replays a completed journey (exit 0) and names the workflow whose history takes another code path (exit 1)', async function () {
    const campaignId = await createActive({
      trigger: { event: 'replay_me' },
      steps: [{ id: 'hook', type: 'webhook', request: { url: `${receiver.url}/replay` } }],
    });
    const userId = uniqueId('user');
    await api(gateway, 'POST', '/v1/events', { userId, name: 'replay_me' });
    const workflowId = journeyWorkflowId(campaignId, userId);
    const result = await eventually(
      () =>
        client.workflow
          .getHandle(workflowId)
          .result()
          .catch(() => undefined),
      20_000,
    );
    assert.equal(result.outcome, 'completed');

    // What the Temporal CLI writes (RFC 3339 times), and a copy in which the first activity has another name, as if the code had changed.
    const shown = await new Promise<string>((resolve, reject) => {
      const args = [
        'workflow',
        'show',
        '--workflow-id',
        workflowId,
        '--address',
        stack().temporalAddress,
        '--output',
        'json',
      ];
      execFile(TOOL_PATHS.temporal, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    });
    const fromCli = path.join(dir, 'temporal-show.json');
    writeFileSync(fromCli, shown);
    const history = JSON.parse(shown);
    const scheduled = history.events.find(
      (e: { eventType: string }) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
    );
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'renamedActivity';
    const altered = path.join(dir, 'altered-temporal-show.json');
    writeFileSync(altered, JSON.stringify(history));
    // The fixtures' form (times as seconds and nanos), altered the same way.
    const fixture = JSON.parse(readFileSync(path.join(FIXTURES, 'price-drop.json'), 'utf8'));
    const fixtureScheduled = fixture.events.find(
      (e: { eventType: string }) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
    );
    fixtureScheduled.activityTaskScheduledEventAttributes.activityType.name = 'renamedActivity';
    const alteredFixture = path.join(dir, 'altered-price-drop.json');
    writeFileSync(alteredFixture, JSON.stringify(fixture));
    assert.doesNotThrow(() => temporal.api.history.v1.History.fromObject(fixture));

    const [replayed, readBack, diverged, divergedFixture] = await Promise.all([
      hookway('replay', '--journey', workflowId),
      hookway('replay', '--file', fromCli),
      hookway('replay', '--file', altered),
      hookway('replay', '--file', alteredFixture),
    ]);
    for (const run of [replayed, readBack]) {
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, new RegExp(`ok\\s+${workflowId}`));
      assert.match(run.stdout, /replayed 1 histories: 0 non-deterministic/);
    }

    assert.equal(diverged.code, 1, diverged.stdout + diverged.stderr);
    const eventId = scheduled.eventId as string;
    assert.match(
      diverged.stdout,
      new RegExp(
        `FAIL\\s+${workflowId} \\(.*altered-temporal-show\\.json\\): first diverging event ${eventId} \\(EVENT_TYPE_ACTIVITY_TASK_SCHEDULED\\): .*renamedActivity`,
      ),
    );
    assert.equal(divergedFixture.code, 1, divergedFixture.stdout + divergedFixture.stderr);
    const fixtureEventId = fixtureScheduled.eventId as string;
    assert.match(
      divergedFixture.stdout,
      new RegExp(
        `FAIL\\s+journey/price-drop/user-1 \\(.*altered-price-drop\\.json\\): first diverging event ${fixtureEventId} .*renamedActivity`,
      ),
    );
    noStackTrace(diverged.stdout + diverged.stderr + divergedFixture.stdout + divergedFixture.stderr);
  });

  it('redelivers failed deliveries with their original webhook-id: one by id, the rest of a destination by time', async function () {
    const since = new Date().toISOString();
    const provider = await Receiver.start();
    try {
      provider.answerWith({ status: 400 }, { status: 400 }, { status: 200 });
      const destinationId = uniqueId('cli-dest');
      assert.equal(
        (
          await api(gateway, 'POST', '/v1/destinations', {
            id: destinationId,
            name: 'CLI provider',
            url: provider.url,
            retryDelays: ['1s'],
          })
        ).status,
        201,
      );
      const campaignId = await createActive({
        trigger: { event: 'redeliver_me' },
        steps: [{ id: 'sms', type: 'webhook', request: { destination: destinationId, path: '/sms' } }],
      });
      const users = [uniqueId('user'), uniqueId('user')];
      await api(gateway, 'POST', '/v1/events', { events: users.map((userId) => ({ userId, name: 'redeliver_me' })) });

      const failed = await eventually(async () => {
        const { deliveries } = await hookwayJson('deliveries', 'list', '--failed', '--campaign', campaignId);
        return deliveries.length === 2 ? deliveries : undefined;
      }, 20_000);
      const table = await hookway('deliveries', 'list', '--failed', '--destination', destinationId);
      assert.match(table.stdout, new RegExp(`${failed[0].id}\\s+failed\\s+${campaignId}`));

      const byId = await hookway('deliveries', 'redeliver', failed[0].id);
      assert.equal(byId.code, 0, byId.stderr);
      assert.match(byId.stdout, new RegExp(`redelivering ${failed[0].id}`));
      const third = (await provider.waitFor(3))[2];
      assert.equal(third.headers['webhook-id'], failed[0].id);

      const recovered = await hookwayJson('deliveries', 'redeliver', '--destination', destinationId, '--since', since);
      assert.equal(recovered.redelivering, 1);
      const fourth = (await provider.waitFor(4))[3];
      assert.equal(fourth.headers['webhook-id'], failed[1].id);

      const stats = await eventually(async () => {
        const answer = await hookwayJson('stats', campaignId);
        return answer.totals.webhooks.succeeded === 2 ? answer : undefined;
      }, 20_000);
      // Both failed for good first, then succeeded when re-sent.
      assert.deepEqual([stats.totals.webhooks.succeeded, stats.totals.webhooks.failed], [2, 2]);
      assert.equal(stats.campaign.status, 'active');

      const misuse = await hookway('deliveries', 'redeliver', '--destination', destinationId, '--since', 'yesterday');
      assert.equal(misuse.code, 1);
      assert.match(misuse.stderr, /^error: invalid recover request/);
      assert.match(misuse.stderr, /\n {2}since: /);
      noStackTrace(misuse.stderr);
    } finally {
      await provider.close();
    }
  });
});

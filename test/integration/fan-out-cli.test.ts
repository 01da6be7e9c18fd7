// `hookway campaigns trigger -f` and `hookway fanouts show|cancel`, run as an operator runs
// them: the CLI as a subprocess against the real gateway, worker, Temporal and FerretDB.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningGateway } from '../../src/gateway/start';
import { Receiver } from '../support/receiver';
import {
  API_KEY,
  api,
  eventually,
  stack,
  startTestGateway,
  startWorker,
  uniqueId,
  TEST_CODEC_KEYS,
} from '../support/stack';

const CLI = path.join(__dirname, '../../src/cli/main.js');

describe('the fan-out commands of the hookway CLI', function () {
  let gateway: RunningGateway;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let receiver: Receiver;
  let dir: string;
  let campaignId: string;
  const taskQueue = uniqueId('fanout-cli');

  function hookway(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      ...process.env,
      HOOKWAY_URL: gateway.url,
      HOOKWAY_API_KEY: API_KEY,
      HOOKWAY_CODEC_KEYS: TEST_CODEC_KEYS,
      TEMPORAL_ADDRESS: stack().temporalAddress,
    };
    return new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env, timeout: 90_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }

  function usersFile(name: string, users: unknown): string {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(users));
    return file;
  }

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-fanout-cli-'));
    receiver = await Receiver.start();
    worker = await startWorker(taskQueue);
    gateway = await startTestGateway(taskQueue);
    campaignId = uniqueId('cli-coupon');
    await api(gateway, 'POST', '/v1/campaigns', {
      id: campaignId,
      name: 'Coupon',
      trigger: { event: 'coupon_issued' },
      steps: [
        {
          id: 'send',
          type: 'webhook',
          request: {
            url: `${receiver.url}/coupon`,
            body: { user: '{{user.id}}', coupon: '{{event.properties.coupon}}' },
          },
        },
      ],
    });
    assert.equal((await api(gateway, 'POST', `/v1/campaigns/${campaignId}/activate`)).status, 200);
  });

  after(async function () {
    await gateway?.close();
    await worker?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enters the users of a file, shows the fan-out, and refuses to cancel a finished one', async function () {
    const prefix = uniqueId('cli-user');
    const file = usersFile('users.json', {
      users: [1, 2, 3].map((i) => ({ userId: `${prefix}-${i}`, properties: { coupon: `C${i}` } })),
    });
    const started = await hookway('campaigns', 'trigger', campaignId, '-f', file, '--json');
    assert.equal(started.code, 0, started.stderr);
    const { fanOutId, users } = JSON.parse(started.stdout);
    assert.equal(users, 3);
    await eventually(async () => {
      const shown = await hookway('fanouts', 'show', fanOutId, '--json');
      return JSON.parse(shown.stdout).progress?.status === 'completed' ? true : undefined;
    }, 60_000);
    const text = await hookway('fanouts', 'show', fanOutId);
    assert.match(text.stdout, /status\s+completed/);
    assert.match(text.stdout, /entered\s+3/);
    const bodies = receiver.requests
      .map((r) => r.json as { user: string; coupon: string })
      .filter((b) => b.user.startsWith(prefix));
    assert.deepEqual(
      bodies.sort((a, b) => a.user.localeCompare(b.user)),
      [1, 2, 3].map((i) => ({ user: `${prefix}-${i}`, coupon: `C${i}` })),
    );

    const late = await hookway('fanouts', 'cancel', fanOutId);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /is not running/);
  });

  it('cancels a running fan-out, whose progress then says so', async function () {
    const prefix = uniqueId('cli-slow');
    const file = usersFile(
      'slow.json',
      Array.from({ length: 100 }, (_, i) => ({ userId: `${prefix}-${i}` })),
    );
    const started = await hookway('campaigns', 'trigger', campaignId, '-f', file, '--rate', '2', '--json');
    assert.equal(started.code, 0, started.stderr);
    const { fanOutId } = JSON.parse(started.stdout);
    const cancelled = await hookway('fanouts', 'cancel', fanOutId);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const shown = await eventually(async () => {
      const view = JSON.parse((await hookway('fanouts', 'show', fanOutId, '--json')).stdout);
      return view.execution === 'CANCELLED' ? view : undefined;
    }, 60_000);
    assert.equal(shown.progress.status, 'cancelled');
    assert.ok(shown.progress.entered < 100);
  });

  it('names the bad field of a users file and exits non-zero', async function () {
    const run = await hookway('campaigns', 'trigger', campaignId, '-f', usersFile('bad.json', [{ userId: '' }]));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /users\.0\.userId: must not be empty/);
  });
});

// The Docker image's file set, proven without Docker: the files the Dockerfile's runtime stage
// copies are assembled in a folder of their own (production dependencies only), and the
// gateway, a worker and the CLI run from there as the image runs them. A file the processes
// need but the image lacks shows up as a failure here.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceProcess } from '../../src/embedded/service-process';
import { runCli } from '../support/cli';
import { READY_TEXT, startNodeProcess } from '../../src/embedded/node-process';
import { freePort } from '../../src/embedded/free-port';
import { Receiver } from '../support/receiver';
import { assembleRuntimeImage, REPO_ROOT } from '../support/runtime-image';
import { API_KEY, api, mongoUriFor, stack, uniqueId } from '../support/stack';

describe('the runtime image file set (the Dockerfile, run without Docker)', function () {
  this.timeout(180_000);
  const taskQueue = uniqueId('image');
  let dir: string;
  let app: string;
  let gatewayUrl: string;
  let receiver: Receiver;
  const processes: ServiceProcess[] = [];

  const call = (method: string, route: string, body?: unknown) => api({ url: gatewayUrl }, method, route, body);

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-image-'));
    app = path.join(dir, 'app');
    assembleRuntimeImage(app);
    receiver = await Receiver.start();
    const port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    // Only what the image's ENV and docker-compose.yml set: nothing of this checkout leaks in.
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      TEMPORAL_ADDRESS: stack().temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      MONGODB_URI: mongoUriFor(taskQueue),
      HOOKWAY_API_KEY: API_KEY,
      HOOKWAY_ALLOWED_CIDRS: '127.0.0.1/32',
      HOOKWAY_DATA_DIR: path.join(dir, 'data'),
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    };
    for (const part of ['worker', 'gateway'] as const) {
      const script = path.join(app, 'dist', 'src', `${part}-main.js`);
      const logFile = path.join(dir, `${part}.log`);
      processes.push(
        await startNodeProcess({ name: part, script, env, logFile, readyText: READY_TEXT[part], cwd: app }),
      );
    }
  });

  after(async function () {
    for (const running of processes.reverse()) await running.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the compiled code without the compiled tests', function () {
    assert.ok(existsSync(path.join(app, 'dist', 'workflows')), 'the image lacks the compiled workflows');
    assert.ok(!existsSync(path.join(app, 'dist', 'test')), 'the image carries dist/test');
  });

  it('serves the dashboard and the Chart.js it loads', async function () {
    const page = await fetch(`${gatewayUrl}/dashboard/`);
    assert.equal(page.status, 200, 'GET /dashboard/ must answer the dashboard page');
    assert.match(await page.text(), /<html/i);
    const chart = await fetch(`${gatewayUrl}/dashboard/vendor/chart.umd.js`);
    assert.equal(chart.status, 200, 'the dashboard loads Chart.js from the gateway');
  });

  it('delivers a journey through the gateway and the worker it runs', async function () {
    const example = readFileSync(path.join(REPO_ROOT, 'examples', 'price-drop.json'), 'utf8');
    const campaign = JSON.parse(example.replaceAll('http://127.0.0.1:4000', receiver.url));
    assert.equal((await call('POST', '/v1/campaigns', campaign)).status, 201);
    assert.equal((await call('POST', `/v1/campaigns/${campaign.id}/activate`)).status, 200);
    const event = {
      userId: uniqueId('user'),
      name: 'price_dropped',
      properties: { productName: 'Image Test Lamp', dropPercent: 10 },
      userProperties: { phone: '+821000000001', smsOptIn: true },
    };
    assert.equal((await call('POST', '/v1/events', event)).status, 202);
    const [sms] = await receiver.waitFor(1);
    assert.deepEqual(sms.json, {
      to: '+821000000001',
      text: 'The price of your bookmarked [Image Test Lamp] has dropped by 10%!',
    });
  });

  it('runs the CLI: its version, and the campaigns the gateway holds', async function () {
    const cli = path.join(app, 'dist', 'src', 'cli', 'main.js');
    const env = {
      PATH: process.env.PATH,
      HOOKWAY_URL: gatewayUrl,
      HOOKWAY_API_KEY: API_KEY,
      TEMPORAL_ADDRESS: stack().temporalAddress,
    };
    const run = async (...args: string[]) => {
      const result = await runCli(args, { env, script: cli, cwd: app });
      assert.equal(result.code, 0, `hookway ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout;
    };
    const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    assert.equal((await run('--version')).trim(), version);
    assert.match(await run('campaigns', 'list'), /price-drop/);
  });
});

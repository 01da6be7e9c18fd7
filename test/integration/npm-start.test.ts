// `npm start` (dist/src/main.js) as an operator runs it, against the test stack's Temporal and
// FerretDB: a worker killed with SIGKILL is started again by the supervisor, /healthz says so
// while it happens, /metrics counts the restart, and Ctrl-C still stops everything.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/embedded/free-port';
import { startNpmStart } from '../support/npm-start';
import { API_KEY, eventually, mongoUriFor, stack, uniqueId } from '../support/stack';

/** The pid of the child of `pid` whose command line names `script`. */
function childRunning(pid: number, script: string): number | undefined {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  return children.find((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(script);
    } catch {
      return false;
    }
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start under supervision', function () {
  this.timeout(240_000);

  it('restarts a killed worker, shows it in /healthz and /metrics, and stops everything on Ctrl-C', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-start-'));
    const port = await freePort();
    const taskQueue = uniqueId('start');
    const env = {
      ...process.env,
      MONGODB_URI: mongoUriFor(taskQueue),
      TEMPORAL_ADDRESS: stack().temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      HOOKWAY_API_KEY: API_KEY,
      HOOKWAY_DATA_DIR: dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    };
    const { main, url, output, exited, health, partWhen } = await startNpmStart(env, port);
    try {
      const worker = childRunning(main.pid!, 'worker-main.js')!;
      const gateway = childRunning(main.pid!, 'gateway-main.js')!;
      assert.ok(worker && gateway, output());

      process.kill(worker, 'SIGKILL');
      const during = await eventually(async () => {
        const body = await health();
        return body.restarting?.includes('worker') ? body : undefined;
      }, 30_000);
      assert.equal(during.status, 'degraded');
      const after = await partWhen('worker', (p) => p.state === 'running' && p.restarts === 1, 180_000);
      assert.match(after.lastExit ?? '', /signal SIGKILL/);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /hookway_process_restarts_total\{process="worker"\} 1/);
      assert.match(metrics, /hookway_process_up\{process="worker"\} 1/);
      const restarted = childRunning(main.pid!, 'worker-main.js')!;
      assert.ok(restarted && restarted !== worker);

      main.kill('SIGINT');
      assert.equal(await exited, 0, output());
      assert.ok(!alive(restarted) && !alive(gateway), 'a child outlived npm start');
    } finally {
      if (main.exitCode === null) main.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The supervisor `npm start` runs its processes under, on real child processes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { startNodeProcess } from '../../src/embedded/node-process';
import { Supervisor, type SupervisorPolicy } from '../../src/embedded/supervisor';
import { createLogger } from '../../src/logger';

const SCRIPT = path.join(__dirname, '../support/flaky-process.js');
const FAST: SupervisorPolicy = { maxExits: 3, windowMs: 60_000, initialBackoffMs: 50, maxBackoffMs: 200 };
const logger = createLogger('silent', 'supervisor-test');

function flaky(exitAfterMs: number) {
  return () =>
    startNodeProcess({
      name: 'flaky',
      script: SCRIPT,
      env: { ...process.env, EXIT_AFTER_MS: String(exitAfterMs) },
      logFile: '/dev/null',
      readyText: 'flaky process ready',
    });
}

describe('the process supervisor', function () {
  this.timeout(60_000);
  let supervisor: Supervisor | undefined;

  afterEach(async function () {
    await supervisor?.stopAll();
  });

  it('starts a process that exits again, and tells how it exited', async function () {
    let starts = 0;
    supervisor = new Supervisor({ logger, policy: FAST, onGiveUp: () => assert.fail('gave up') });
    // The first start crashes after a moment; the second runs.
    await supervisor.start('flaky', () => flaky(++starts === 1 ? 200 : 0)());
    for (;;) {
      const [part] = supervisor.status().parts;
      if (part.state === 'running' && part.restarts === 1) {
        assert.match(part.lastExit ?? '', /exit code 3; last output: boom: the flaky process gives up/);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(starts, 2);
  });

  it('gives up on a process that keeps exiting, saying why', async function () {
    let reason!: (text: string) => void;
    const gaveUp = new Promise<string>((resolve) => (reason = resolve));
    supervisor = new Supervisor({ logger, policy: FAST, onGiveUp: reason });
    await supervisor.start('flaky', flaky(100));
    assert.match(await gaveUp, /^flaky exited 3 times within 60 s; last: exit code 3; last output: boom/);
    assert.equal(supervisor.status().parts[0].state, 'failed');
  });

  it('stops everything on request without restarting it', async function () {
    supervisor = new Supervisor({ logger, policy: FAST, onGiveUp: () => assert.fail('gave up') });
    await supervisor.start('flaky', flaky(0));
    const running = supervisor.process('flaky')!;
    await supervisor.stopAll();
    assert.notEqual(running.child.exitCode ?? running.child.signalCode, null);
    assert.deepEqual(
      supervisor.status().parts.map((p) => [p.state, p.restarts]),
      [['stopped', 0]],
    );
  });
});

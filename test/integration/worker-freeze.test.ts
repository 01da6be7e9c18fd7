// A worker frozen (SIGSTOP) under load and resumed must carry on: on the SDK's defaults the
// workflow sandbox's deadlock timer fired on resume, failing workflow tasks with "Script
// execution timed out" and, at times, crashing the worker (issue 15; see WORKFLOW_SANDBOX_OPTIONS).
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startNodeProcess } from '../../src/embedded/node-process';
import type { ServiceProcess } from '../../src/embedded/service-process';
import { stack, uniqueId } from '../support/stack';

const WORKFLOWS = 3;
const ROUNDS = 4;
const FREEZE_MS = 7_000;
const { EVENT_TYPE_WORKFLOW_TASK_FAILED: FAILED, EVENT_TYPE_WORKFLOW_TASK_STARTED: STARTED } =
  temporal.api.enums.v1.EventType;
/** Long enough that a busy activation on a loaded machine is not timed out by the server. */
const WORKFLOW_TASK_TIMEOUT = '60s';

describe('a worker frozen under load', function () {
  this.timeout(240_000);
  let worker: ServiceProcess | undefined;
  let client: Client;

  before(async function () {
    client = new Client({ connection: await Connection.connect({ address: stack().temporalAddress }) });
  });

  after(async function () {
    await worker?.stop();
    await client?.connection.close();
  });

  it('resumes without failed workflow tasks or a crash, and finishes every workflow', async function () {
    const taskQueue = uniqueId('freeze');
    worker = await startNodeProcess({
      name: 'spin-worker',
      script: path.join(__dirname, '../support/freeze/spin-worker.js'),
      env: { ...process.env, TEMPORAL_ADDRESS: stack().temporalAddress, TASK_QUEUE: taskQueue },
      logFile: path.join(process.env.SPIN_LOG_DIR ?? stack().dir, `${taskQueue}.log`),
      readyText: 'spin worker running',
    });
    const handles = await Promise.all(
      Array.from({ length: WORKFLOWS }, (_, i) =>
        client.workflow.start('spin', {
          taskQueue,
          workflowId: `${taskQueue}-${i}`,
          args: [ROUNDS],
          workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
        }),
      ),
    );
    // Freeze while the worker runs an activation: a workflow task after the first was started and is not done.
    for (;;) {
      const events = (await handles[0].fetchHistory()).events ?? [];
      if (events.length > 4 && events.at(-1)?.eventType === STARTED) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    worker.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, FREEZE_MS));
    worker.child.kill('SIGCONT');

    const results = await Promise.all(handles.map((h) => h.result()));
    assert.deepEqual(results, Array(WORKFLOWS).fill(ROUNDS));
    assert.equal(worker.child.exitCode, null, `the worker exited: ${worker.outputTail()}`);
    const failedTasks = [];
    for (const handle of handles) {
      const events = (await handle.fetchHistory()).events ?? [];
      const failures = events
        .filter((e) => e.eventType === FAILED)
        .map((e) => e.workflowTaskFailedEventAttributes?.failure?.message);
      failedTasks.push(...failures);
    }
    assert.deepEqual(failedTasks, [], `workflow tasks failed after the freeze: ${failedTasks.join('; ')}`);
  });
});

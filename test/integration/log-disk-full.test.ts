// A part's log file on a full disk (the data folder's disk, where `npm start` keeps the logs):
// the write fails with ENOSPC, which must cost the log lines, not the launcher. Before, the log
// stream's unhandled error stopped the launcher itself, and with it every part of `npm start`.
import assert from 'node:assert/strict';
import path from 'node:path';
import { startNodeProcess } from '../../src/embedded/node-process';

const SCRIPT = path.join(__dirname, '../support/flaky-process.js');

describe('a log file on a full disk', function () {
  it('drops the output, and the launcher still sees the process start, print and exit', async function () {
    // /dev/full refuses every write with ENOSPC, as a full disk does.
    const part = await startNodeProcess({
      name: 'flaky',
      script: SCRIPT,
      env: { ...process.env, EXIT_AFTER_MS: '300' },
      logFile: '/dev/full',
      readyText: 'flaky process ready',
    });
    assert.equal(await part.exited, 3);
    // The exit is still explained from the output, which the disk did not take.
    await new Promise((r) => setImmediate(r));
    assert.match(part.outputTail(), /boom: the flaky process gives up/);
  });
});

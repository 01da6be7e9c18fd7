// Mocha root hooks: one Temporal dev server and one FerretDB for the whole run (starting
// them per suite costs seconds each), and the workflow bundle `npm run build` wrote, for every worker.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFerretDb, startTemporalDevServer } from '../../src/embedded/services';
import { freePort } from '../../src/embedded/free-port';
import { loadWorkflowBundle } from '../../src/workflow-bundle';
import { setStack, stack } from './stack';
import { ferretDbUri } from '../../src/embedded/ferretdb-uri';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(180_000);
    // TEMPORAL_LOG_LEVEL=WARN shows the SDK's own warnings, such as activity failures.
    Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_LOG_LEVEL as LogLevel | undefined) ?? 'ERROR') });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-test-'));
    const [ferretdbPort, temporalPort] = [await freePort(), await freePort()];
    const [ferretdb, temporal, bundle] = await Promise.all([
      startFerretDb({
        dataDir: path.join(dir, 'ferretdb'),
        port: ferretdbPort,
        logFile: path.join(dir, 'ferretdb.log'),
      }),
      startTemporalDevServer({
        dbFile: path.join(dir, 'temporal.sqlite'),
        port: temporalPort,
        logFile: path.join(dir, 'temporal.log'),
      }),
      loadWorkflowBundle(),
    ]);
    setStack({
      dir,
      mongoUri: ferretDbUri(ferretdbPort),
      temporalAddress: `127.0.0.1:${temporalPort}`,
      workflowBundle: bundle,
      services: [ferretdb, temporal],
    });
  },

  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    const current = stack();
    for (const service of current.services) await service.stop();
    rmSync(current.dir, { recursive: true, force: true });
  },
};

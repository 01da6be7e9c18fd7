// Mocha root hooks for `npm run test:cluster`: one production layout for the whole run (its
// Temporal server takes a minute to start on this machine). KEEP_CLUSTER=1 keeps its folder,
// logs and databases for a look afterwards.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProductionLayout } from './layout';

let current: ProductionLayout | undefined;

export function layout(): ProductionLayout {
  if (!current) throw new Error('the production layout is not running; mocha must load dist/test/cluster/hooks.js');
  return current;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(600_000);
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    const started = new ProductionLayout(mkdtempSync(path.join(os.tmpdir(), 'hookway-cluster-')));
    try {
      await started.start();
    } catch (err) {
      await started.stop();
      throw new Error(`${(err as Error).message}\n(logs in ${started.dir})`, { cause: err });
    }
    current = started;
  },

  async afterAll(this: Mocha.Context) {
    this.timeout(120_000);
    if (!current) return;
    await current.stop();
    if (process.env.KEEP_CLUSTER !== '1') rmSync(current.dir, { recursive: true, force: true });
  },
};

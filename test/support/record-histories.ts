// Records journey histories from the current workflow code into test/fixtures/histories/,
// for the replay test. After a change guarded by patched(), record the new path beside the old
// files with the patch's name (npm run record-histories -- send-check-at-once writes
// <journey>.send-check-at-once.json), so both paths stay proven; without a name it overwrites
// the base files, which only a change meant to break replay of old journeys may do.
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadWorkflowBundle } from '../../src/workflow-bundle';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFerretDb } from '../../src/embedded/services';
import { eventSignal } from '../../workflows';
import { freePort } from '../../src/embedded/free-port';
import { Receiver } from './receiver';
import { setStack } from './stack';
import { campaign, event, startTimeSkipping } from './time-skipping';
import { ferretDbUri } from '../../src/embedded/ferretdb-uri';

/** Proto3 JSON, as `temporal workflow show -o json` writes it; historyFromJSON reads it back. */
const PROTO_JSON = { longs: String, enums: String, bytes: String, defaults: false };
const OUT = path.join(__dirname, '../../../test/fixtures/histories');
const EXAMPLES = path.join(__dirname, '../../../examples');

async function main(): Promise<void> {
  const suffix = process.argv[2] ? `.${process.argv[2]}` : '';
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-record-'));
  const port = await freePort();
  const ferretdb = await startFerretDb({
    dataDir: path.join(dir, 'db'),
    port,
    logFile: path.join(dir, 'ferretdb.log'),
  });
  const workflowBundle = await loadWorkflowBundle();
  setStack({
    dir,
    mongoUri: ferretDbUri(port),
    temporalAddress: '',
    workflowBundle,
    services: [ferretdb],
  });
  const receiver = await Receiver.start();
  receiver.answerWith({ status: 200, body: '{"ok":true,"balance":12500}' });
  const ts = await startTimeSkipping();
  const example = (name: string) =>
    campaign(
      JSON.parse(
        readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8').replaceAll('http://127.0.0.1:4000', receiver.url),
      ),
    );
  try {
    await ts.run(async () => {
      const userId = 'user-1';
      await ts.repositories.profiles.merge([
        { userId, properties: { phone: '+821012345678', smsOptIn: true, email: 'a@example.com' }, seenAt: new Date() },
      ]);
      const runs = {
        'price-drop': await ts.startJourney(example('price-drop'), userId, {
          properties: { productName: 'Apple MacBook Pro', dropPercent: 5 },
        }),
        'review-points': await ts.startJourney(example('review-points'), userId, { properties: { reviewId: 'r-1' } }),
        reengagement: await ts.startJourney(example('reengagement'), userId),
      };
      await runs.reengagement.signal(eventSignal, event(userId, 'login'));
      await ts.env.sleep('9d');
      await runs.reengagement.terminate('recorded');
      for (const [name, handle] of Object.entries(runs)) {
        await handle.result().catch(() => undefined);
        const history = temporal.api.history.v1.History.toObject(
          temporal.api.history.v1.History.create(await handle.fetchHistory()),
          PROTO_JSON,
        );
        writeFileSync(path.join(OUT, `${name}${suffix}.json`), `${JSON.stringify(history, null, 1)}\n`);
        console.log(`recorded ${name}`);
      }
    });
  } finally {
    await ts.teardown();
    await receiver.close();
    await ferretdb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

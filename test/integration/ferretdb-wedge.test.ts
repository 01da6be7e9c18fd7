// `npm start` with its embedded FerretDB wedged the way it wedged under heavy load: every
// connection of its SQLite pool held by an open result set, so `ping` answers while every
// query waits. Here a client holds 100 cursors open (each keeps a pool connection until it is
// exhausted or its client connection closes). /healthz must say the database is down, the
// supervisor must restart FerretDB, and journeys must run again afterwards.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { freePort } from '../../src/embedded/free-port';
import { startNpmStart } from '../support/npm-start';
import { Receiver } from '../support/receiver';
import { API_KEY, api, eventually, stack, uniqueId } from '../support/stack';
import { ferretDbUri } from '../../src/embedded/ferretdb-uri';

/** FerretDB's SQLite pool holds at most this many connections per database. */
const SQLITE_POOL = 100;

/** Holds every pool connection of `database` with a cursor left open; close the client to free them. */
async function wedge(uri: string): Promise<mongoose.mongo.MongoClient> {
  const client = new mongoose.mongo.MongoClient(uri, { maxPoolSize: 1, serverSelectionTimeoutMS: 2_000 });
  const collection = client.db().collection('wedge');
  await collection.insertMany([{}, {}, {}]);
  for (let i = 0; i < SQLITE_POOL; i++) await collection.find({}, { batchSize: 1 }).next();
  return client;
}

describe('a wedged embedded FerretDB', function () {
  this.timeout(300_000);

  it('is reported by /healthz and restarted by npm start, and journeys run again after', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-wedge-'));
    const [port, ferretdbPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    const receiver = await Receiver.start();
    const env = {
      ...process.env,
      MONGODB_URI: '',
      FERRETDB_PORT: String(ferretdbPort),
      HOOKWAY_FERRETDB_RESTART_AFTER: '20s',
      TEMPORAL_ADDRESS: stack().temporalAddress,
      TEMPORAL_TASK_QUEUE: uniqueId('wedge'),
      HOOKWAY_API_KEY: API_KEY,
      HOOKWAY_DATA_DIR: dir,
      HOOKWAY_ALLOWED_CIDRS: '127.0.0.1/32',
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKER_METRICS_PORT: String(workerPort),
      LOG_LEVEL: 'warn',
    };
    const { main, url, output, health, partWhen } = await startNpmStart(env, port);
    const gateway = { url };
    let holder: mongoose.mongo.MongoClient | undefined;
    try {
      assert.equal((await health()).services?.mongodb, 'ok');
      const created = [
        await api(gateway, 'POST', '/v1/destinations', { id: 'hook', name: 'Hook', url: receiver.url }),
        await api(gateway, 'POST', '/v1/campaigns', {
          id: 'welcome',
          name: 'Welcome',
          trigger: { event: 'signed_up' },
          steps: [
            {
              id: 'hello',
              type: 'webhook',
              request: { destination: 'hook', path: '/hello', body: { user: '{{user.id}}' } },
            },
          ],
        }),
        await api(gateway, 'POST', '/v1/campaigns/welcome/activate'),
      ];
      assert.deepEqual(
        created.map((r) => r.status),
        [201, 201, 200],
        JSON.stringify(created.map((r) => r.body)),
      );

      holder = await wedge(ferretDbUri(ferretdbPort));
      const down = await eventually(async () => {
        const body = await health();
        return body.services?.mongodb === 'down' ? body : undefined;
      }, 60_000);
      assert.equal(down.status, 'unavailable');
      const worker = await fetch(`http://127.0.0.1:${workerPort}/healthz`);
      assert.deepEqual(
        [worker.status, await worker.json()],
        [503, { status: 'unavailable', services: { mongodb: 'down' } }],
      );

      const restarted = await partWhen('ferretdb', (p) => p.state === 'running' && p.restarts === 1, 120_000);
      assert.match(restarted.lastExit ?? '', /reads failed or hung/);
      await eventually(async () => ((await health()).status === 'ok' ? true : undefined), 60_000);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /hookway_process_restarts_total\{process="ferretdb"\} 1/);

      const userId = uniqueId('user');
      assert.equal((await api(gateway, 'POST', '/v1/events', { userId, name: 'signed_up' })).status, 202);
      const [delivered] = await receiver.waitFor(1, 120_000);
      assert.deepEqual(delivered.json, { user: userId });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nnpm start printed:\n${output()}`, { cause: err });
    } finally {
      await holder?.close(true).catch(() => undefined);
      if (main.exitCode === null) {
        main.kill('SIGINT');
        await new Promise((r) => main.once('exit', r));
      }
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

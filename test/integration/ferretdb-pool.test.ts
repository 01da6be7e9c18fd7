// FerretDB 1.24 on SQLite deadlocks its connection pool when 100 or more updates of existing
// documents are in flight (each holds its query's connection while its write waits for a
// second; see src/embedded/ferretdb-uri.ts). Hookway's processes reach the embedded FerretDB
// with a capped driver pool, so that load never reaches it. A FerretDB of its own: on the old,
// uncapped pool this test wedges the server it runs against.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { ferretDbUri } from '../../src/embedded/ferretdb-uri';
import { freePort } from '../../src/embedded/free-port';
import type { ServiceProcess } from '../../src/embedded/service-process';
import { startFerretDb } from '../../src/embedded/services';

/** Per process, as many as the driver's default pool (100) would send at once. */
const WRITERS = 100;
const UPDATES_EACH = 5;

describe("the embedded FerretDB's connection pool", function () {
  this.timeout(180_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-pool-'));
  let ferretdb: ServiceProcess;
  /** The gateway's and the worker's connections, as `npm start` makes them. */
  let processes: mongoose.mongo.MongoClient[] = [];

  before(async function () {
    const port = await freePort();
    ferretdb = await startFerretDb({ dataDir: path.join(dir, 'data'), port, logFile: path.join(dir, 'ferretdb.log') });
    processes = [new mongoose.mongo.MongoClient(ferretDbUri(port)), new mongoose.mongo.MongoClient(ferretDbUri(port))];
  });

  after(async function () {
    await Promise.all(processes.map((client) => client.close(true)));
    await ferretdb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`takes ${WRITERS} writers in each of two processes updating existing documents at once, and still answers reads`, async function () {
    const [gateway, worker] = processes.map((client) => client.db().collection<{ _id: string; n: number }>('load'));
    const writers = processes.length * WRITERS;
    await gateway.insertMany(Array.from({ length: writers }, (_, i) => ({ _id: `w${i}`, n: 0 })));
    const writer = async (i: number) => {
      const collection = i % 2 === 0 ? gateway : worker;
      for (let k = 0; k < UPDATES_EACH; k++) await collection.updateOne({ _id: `w${i}` }, { $inc: { n: 1 } });
    };
    await Promise.all(Array.from({ length: writers }, (_, i) => writer(i)));
    const counts = await gateway.find().toArray();
    assert.equal(counts.length, writers);
    assert.ok(
      counts.every((doc) => doc.n === UPDATES_EACH),
      'every update landed',
    );
    assert.deepEqual(await worker.findOne({ _id: 'w0' }), { _id: 'w0', n: UPDATES_EACH });
  });
});

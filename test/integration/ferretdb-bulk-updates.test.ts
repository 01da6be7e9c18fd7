// The embedded FerretDB answers bulk updates sent at once. FerretDB 1.24's update command kept
// each statement's read open until the whole command returned, each holding one of its SQLite
// pool's 100 connections while waiting for another to write: a dozen bulk updates of 50
// statements at once took them all, and from then on every query waited forever while `ping`
// still answered (the wedge in docs/reliability.md). tools/ferretdb/patches fixes it; this
// test runs its own FerretDB, so a wedge would not stop the rest of the suite.
import { MongoClient } from 'mongodb';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/embedded/free-port';
import { startFerretDb } from '../../src/embedded/services';
import type { ServiceProcess } from '../../src/embedded/service-process';

const COMMANDS = 12;
const STATEMENTS = 50;
/** Far beyond the second or two the updates take: reached only by a database that stopped answering. */
const HANG_MS = 60_000;

describe('the embedded FerretDB under many bulk updates at once', function () {
  this.timeout(HANG_MS + 60_000);
  let dir: string;
  let ferretdb: ServiceProcess;
  let client: MongoClient;

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hookway-bulk-'));
    const port = await freePort();
    ferretdb = await startFerretDb({ dataDir: path.join(dir, 'db'), port, logFile: path.join(dir, 'ferretdb.log') });
    client = await new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`).connect();
  });

  after(async function () {
    await client?.close(true);
    await ferretdb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every statement, and reads by _id answer afterwards', async function () {
    const docs = client.db('bulk').collection<{ _id: string; n: number }>('docs');
    const id = (command: number, statement: number) => `doc-${command}-${statement}`;
    await docs.insertMany(
      Array.from({ length: COMMANDS * STATEMENTS }, (_, i) => ({
        _id: id(Math.floor(i / STATEMENTS), i % STATEMENTS),
        n: 0,
      })),
    );
    const updates = Promise.all(
      Array.from({ length: COMMANDS }, (_, c) =>
        docs.bulkWrite(
          Array.from({ length: STATEMENTS }, (_, s) => ({
            updateOne: { filter: { _id: id(c, s) }, update: { $set: { n: 1 } } },
          })),
          { ordered: false },
        ),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), HANG_MS)));
    const results = await Promise.race([updates, hung]).finally(() => clearTimeout(timer));
    assert.notEqual(results, 'hung', `the bulk updates were still unanswered after ${HANG_MS} ms`);
    const modified = (results as Array<{ modifiedCount: number }>).reduce((sum, r) => sum + r.modifiedCount, 0);
    assert.equal(modified, COMMANDS * STATEMENTS);
    assert.deepEqual(await docs.findOne({ _id: id(COMMANDS - 1, STATEMENTS - 1) }), {
      _id: id(COMMANDS - 1, STATEMENTS - 1),
      n: 1,
    });
  });
});

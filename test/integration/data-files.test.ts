// `npm start` keeps keys, tokens and personal data in its data folder: the folder and every
// file in it (FerretDB's and Temporal's SQLite files, the keys, the logs) are its owner's only.
// Runs the real entry point with its embedded Temporal and FerretDB on free ports.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/embedded/free-port';

const MAIN = path.join(__dirname, '../../src/main.js');

/** Every folder and file under dir with the permission bits it gives its group and others. */
function openEntries(dir: string): string[] {
  const open: string[] = [];
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077) open.push(`${dir} ${mode.toString(8)}`);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) open.push(...openEntries(full));
    else if (entry.isFile() && statSync(full).mode & 0o077)
      open.push(`${full} ${(statSync(full).mode & 0o777).toString(8)}`);
  }
  return open;
}

describe('the data folder of npm start', function () {
  this.timeout(180_000);
  let main: ChildProcess | undefined;

  // Started as a process group of its own: its worker, gateway, Temporal and FerretDB go with it.
  after(function () {
    if (main?.pid !== undefined && main.exitCode === null) process.kill(-main.pid, 'SIGKILL');
  });

  it('is private to its owner, and so is every file the servers write in it', async function () {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'hookway-data-')), 'data');
    // A folder and a file an earlier release left readable by everyone.
    mkdirSync(path.join(dataDir, 'logs'), { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, 'logs', 'old.log'), 'x', { mode: 0o644 });
    const env = {
      ...process.env,
      HOOKWAY_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      FERRETDB_PORT: String(await freePort()),
      WORKER_METRICS_PORT: '0',
      HOOKWAY_API_KEY: '',
      HOOKWAY_CODEC_KEYS: '',
      LOG_LEVEL: 'warn',
    };
    main = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    const started = main;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      started.stdout!.on('data', (chunk) => {
        out += String(chunk);
        if (out.includes('Hookway is running.')) resolve();
      });
      started.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out}`)));
    });

    const files = readdirSync(dataDir, { recursive: true }).map(String);
    for (const expected of ['api-key', 'codec-keys', 'temporal.sqlite'])
      assert.ok(files.includes(expected), `${expected} is missing: ${files.join(', ')}`);
    assert.ok(
      files.some((f) => f.startsWith('ferretdb') && f.includes('.sqlite')),
      `no FerretDB file: ${files.join(', ')}`,
    );
    assert.deepEqual(openEntries(dataDir), []);
  });
});

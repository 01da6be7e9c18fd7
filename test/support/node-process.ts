// A Hookway entry point (gateway-main, worker-main) as its own node process, the way a
// deployment runs it, with its output appended to a log file.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import type { ServiceProcess } from '../../src/embedded/service-process';

const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;

/** Starts `node script` and resolves once what this start writes to the log holds readyLine. */
export function startNodeProcess(opts: {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  readyLine: string;
  cwd?: string;
}): Promise<ServiceProcess> {
  const { name, logFile, readyLine } = opts;
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [opts.script], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const part: ServiceProcess = {
    name,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // A worker finishing a hung webhook attempt, or a gateway waiting on hand-offs, gets this long.
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  return (async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${name} exited during start-up; see ${logFile}`);
      if (readFileSync(logFile).subarray(logStart).toString('utf8').includes(readyLine)) return part;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${name} did not become ready in time; see ${logFile}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
}

/** The log lines that say each entry point is ready. */
export const READY_LINE = { gateway: '"gateway listening"', worker: '"worker running"' } as const;

// The one launcher for Hookway's own Node entry points (the worker, the gateway, the benchmark's
// floor): `npm start`, the chaos harness and the benchmark all start them through here.
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { LogFile } from './log-file';
import { isReadyMessage } from './ready';
import type { ServiceProcess } from './service-process';

const DEFAULT_READY_TIMEOUT_MS = 180_000;
/** A worker finishing a hung webhook attempt, or a gateway waiting on hand-offs, gets this long to stop. */
const DEFAULT_STOP_TIMEOUT_MS = 15_000;
const TAIL_LINES = 15;

export interface NodeProcessOptions {
  name: string;
  /** The entry point's file. */
  script: string;
  env: NodeJS.ProcessEnv;
  /** The process's output goes here; without it, to this process's own stdout and stderr. */
  logFile?: string;
  /** Start-up is over once the process prints this (on stdout or stderr)… */
  readyText?: string;
  /** Extra flags for node itself, such as --cpu-prof. */
  nodeArgs?: string[];
  /** Its working directory; this process's own by default. */
  cwd?: string;
  /** …or, with an IPC channel, once it sends the ready message (see ready.ts); the supervisor also reports over it. */
  ipc?: boolean;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

/** What each Hookway entry point prints once it is ready. */
export const READY_TEXT = { gateway: '"gateway listening"', worker: '"worker running"' } as const;

/** The last lines a process printed, kept so that an exit can be explained. */
class OutputTail {
  private lines: string[] = [];
  add(chunk: Buffer): void {
    this.lines = [...this.lines, ...chunk.toString('utf8').split('\n')].filter(Boolean).slice(-TAIL_LINES);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** Runs a Node entry point as its own process and resolves once it printed `readyText`. */
export async function startNodeProcess(opts: NodeProcessOptions): Promise<ServiceProcess> {
  const log = opts.logFile ? new LogFile(opts.logFile) : undefined;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.script], {
    env: opts.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe', ...(opts.ipc ? ['ipc' as const] : [])],
  });
  const tail = new OutputTail();
  let seen = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const forward = (to: Writable) => (chunk: Buffer) => {
    (log ?? to).write(chunk);
    tail.add(chunk);
    seen = (seen + chunk.toString('utf8')).slice(-4096);
    if (opts.readyText && seen.includes(opts.readyText)) markReady();
  };
  child.on('message', (message) => void (isReadyMessage(message) && markReady()));
  child.stdout!.on('data', forward(process.stdout));
  child.stderr!.on('data', forward(process.stderr));
  child.once('close', () => log?.close());
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const where = opts.logFile ? `; see ${opts.logFile}` : '';

  const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome === 'exited') throw new Error(`${opts.name} exited during start-up${where}:\n${tail.text()}`);
  if (outcome === 'late') {
    child.kill('SIGKILL');
    throw new Error(`${opts.name} was not ready within ${timeoutMs / 1000} s${where}`);
  }
  return {
    name: opts.name,
    child,
    exited,
    outputTail: () => tail.text(),
    async stop() {
      if (hasExited()) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(kill);
    },
  };
}

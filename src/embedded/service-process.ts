import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { LogFile } from './log-file';

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<number | null>;
  /** The last lines it printed, to explain an exit. */
  outputTail(): string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts a server binary with its output in a log file and waits until it accepts TCP
 * connections on its port. The binary is spawned directly (no shell), so stop() signals
 * the server itself.
 */
export async function startServiceProcess(opts: {
  name: string;
  command: string;
  args: string[];
  port: number;
  logFile: string;
  readyTimeoutMs?: number;
  /** Another user to run as (PostgreSQL refuses to run as root). */
  user?: { uid: number; gid: number };
}): Promise<ServiceProcess> {
  if (await portOpen(opts.port)) {
    throw new Error(`${opts.name}: port ${opts.port} is already in use; stop what holds it or choose another port`);
  }
  const log = new LogFile(opts.logFile);
  const child = spawn(opts.command, opts.args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts.user });
  child.stdout!.on('data', (chunk: Buffer) => log.write(chunk));
  child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
  child.once('close', () => log.close());
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (!(await portOpen(opts.port))) {
    if (hasExited)
      throw new Error(`${opts.name} exited during start-up; see ${opts.logFile}:\n${logTail(opts.logFile)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} did not open port ${opts.port} in time; see ${opts.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    name: opts.name,
    child,
    exited,
    outputTail: () => logTail(opts.logFile),
    async stop() {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

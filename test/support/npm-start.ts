// `npm start` (dist/src/main.js) as an operator runs it, for the tests that watch its supervisor.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eventually } from './stack';

const MAIN = path.join(__dirname, '../../src/main.js');

export interface Health {
  status: string;
  services?: Record<string, string>;
  restarting?: string[];
  processes?: { parts: { name: string; state: string; restarts: number; lastExit?: string }[] };
}

export interface NpmStart {
  main: ChildProcess;
  url: string;
  /** Everything it printed so far. */
  output(): string;
  exited: Promise<number | null>;
  /** /healthz's body; empty while the gateway does not answer. */
  health(): Promise<Partial<Health>>;
  /** One part's line in /healthz, once `accept` takes it. */
  partWhen(
    name: string,
    accept: (part: NonNullable<Health['processes']>['parts'][number]) => boolean,
    timeoutMs: number,
  ): Promise<NonNullable<Health['processes']>['parts'][number]>;
}

/** Starts it and resolves once it says it runs and /healthz shows every part running. */
export async function startNpmStart(env: NodeJS.ProcessEnv, port: number): Promise<NpmStart> {
  const main = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  main.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  main.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => main.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const health = async (): Promise<Partial<Health>> =>
    fetch(`${url}/healthz`).then(
      (r) => r.json() as Promise<Health>,
      () => ({}),
    );
  const partWhen: NpmStart['partWhen'] = (name, accept, timeoutMs) =>
    eventually(async () => {
      const part = (await health()).processes?.parts.find((p) => p.name === name);
      return part && accept(part) ? part : undefined;
    }, timeoutMs);
  const started = { main, url, output: () => output, exited, health, partWhen };
  try {
    await eventually(async () => (output.includes('Hookway is running.') ? true : undefined), 180_000);
    await eventually(
      async () => ((await health()).processes?.parts.every((p) => p.state === 'running') ? true : undefined),
      20_000,
    );
  } catch (err) {
    main.kill('SIGKILL');
    throw new Error(`npm start did not come up: ${(err as Error).message}\n${output}`, { cause: err });
  }
  return started;
}

import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startNodeProcess } from '../embedded/node-process';
import { startPostgres } from '../embedded/postgres';
import { startFerretDb, startTemporalDevServer } from '../embedded/services';
import { startTemporalServer } from '../embedded/temporal-server';
import type { ServiceProcess } from '../embedded/service-process';
import { freePort } from '../embedded/free-port';
import { ferretDbUri } from '../embedded/ferretdb-uri';

/** Resident memory of a process in MiB, from /proc (Linux). */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); with `tree`, its
 * descendants' too, because PostgreSQL serves each connection from a child process.
 */
export function cpuSeconds(pid: number | undefined, tree = false): number | undefined {
  if (pid === undefined) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // utime, stime, then cutime and cstime (children waited for): fields 14 to 17, in clock ticks (100 per second).
  const ticks = stat
    .split(') ')[1]
    .split(' ')
    .slice(11, tree ? 15 : 13)
    .reduce((sum, field) => sum + Number(field), 0);
  if (!tree) return ticks / 100;
  return childPids(pid).reduce((sum, child) => sum + (cpuSeconds(child, true) ?? 0), ticks / 100);
}

export interface BenchStack {
  dir: string;
  temporalAddress: string;
  mongoUri: string;
  /** Temporal's Prometheus endpoint; only for a Temporal server the bench started. */
  metricsUrl?: string;
  services: ServiceProcess[];
}

/** Which Temporal the bench starts: the dev server (SQLite), or the production server on PostgreSQL. */
export type TemporalKind = 'dev' | 'postgres';

async function startTemporal(dir: string, kind: TemporalKind) {
  const logs = path.join(dir, 'logs');
  if (kind === 'postgres') {
    // `npm run test:cluster`'s server (scripts/setup-cluster.sh installs it), as docker-compose runs Temporal.
    const postgresPort = await freePort();
    const postgres = await startPostgres({
      dataDir: path.join(dir, 'postgresql'),
      port: postgresPort,
      user: 'temporal',
      logFile: path.join(logs, 'postgresql.log'),
    });
    const server = await startTemporalServer({ dir, postgresPort, logFile: path.join(logs, 'temporal.log') });
    return {
      services: [postgres, { ...server.process, name: 'temporal' }],
      address: server.address,
      metricsUrl: server.metricsUrl,
    };
  }
  const [port, metricsPort] = [await freePort(), await freePort()];
  const devServer = await startTemporalDevServer({
    dbFile: path.join(dir, 'temporal.sqlite'),
    port,
    metricsPort,
    logFile: path.join(logs, 'temporal.log'),
  });
  return {
    services: [devServer],
    address: `127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
  };
}

/** FerretDB and a Temporal server of `kind` in `dir`, unless TEMPORAL_ADDRESS / MONGODB_URI name existing ones. */
export async function startBenchStack(dir: string, kind: TemporalKind = 'dev'): Promise<BenchStack> {
  const logs = path.join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const services: ServiceProcess[] = [];
  let mongoUri = process.env.MONGODB_URI;
  if (!mongoUri) {
    const port = await freePort();
    services.push(
      await startFerretDb({ dataDir: path.join(dir, 'ferretdb'), port, logFile: path.join(logs, 'ferretdb.log') }),
    );
    mongoUri = ferretDbUri(port);
  }
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let metricsUrl: string | undefined;
  if (!temporalAddress) {
    const temporal = await startTemporal(dir, kind);
    services.push(...temporal.services);
    temporalAddress = temporal.address;
    metricsUrl = temporal.metricsUrl;
  }
  return { dir, temporalAddress, mongoUri, metricsUrl, services };
}

export interface NodeProcess {
  name: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Runs one of Hookway's (or the floor's) Node entry points as its own process, its output in
 * `<dir>/logs/<name>.log`, and waits until it prints `readyText`. With `cpuProfileDir` it
 * writes a V8 CPU profile of each of its threads into `<cpuProfileDir>/<name>/` when it stops.
 */
export async function startBenchProcess(opts: {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  dir: string;
  readyText: string;
  cpuProfileDir?: string;
  timeoutMs?: number;
}): Promise<NodeProcess> {
  // One folder per process and node's own file names (they hold the thread id): a worker's
  // workflow thread writes its profile beside the main thread's instead of over it.
  const profileDir = opts.cpuProfileDir && path.join(opts.cpuProfileDir, opts.name);
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const started = await startNodeProcess({
    name: opts.name,
    script: opts.script,
    env: { ...process.env, ...opts.env },
    logFile: path.join(opts.dir, 'logs', `${opts.name}.log`),
    readyText: opts.readyText,
    nodeArgs: profile,
    readyTimeoutMs: opts.timeoutMs,
    // Writing a CPU profile on exit takes a while.
    stopTimeoutMs: 30_000,
  });
  return { name: opts.name, pid: started.child.pid, stop: () => started.stop() };
}

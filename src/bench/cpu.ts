import { cpuSeconds } from './stack';

/** Percent of one core each process used during a phase: what bounds the phase's figure. */
export type CpuShare = Record<string, number>;

/** What a phase cost Temporal's database: state writes per workflow run and their mean time. */
export interface TemporalLoad {
  writesPerRun?: number;
  meanWriteMs?: number;
}

/** What one run (a journey, a floor workflow) of a phase cost: CPU ms per process, and database commands. */
export interface RunCost {
  cpuMs: Record<string, number>;
  dbCommands?: number;
  /** The database commands by command and collection ("find profiles"). */
  dbCommandsBy?: Record<string, number>;
}

const perRun = (total: number, runs: number) => Math.round((total / runs) * 10) / 10;

/** A phase's CPU shares and database commands spread over the runs it made. */
export function runCost(share: CpuShare, seconds: number, runs: number, commands?: Record<string, number>): RunCost {
  const cpuMs = Object.fromEntries(
    Object.entries(share).map(([name, pct]) => [name, perRun((pct / 100) * seconds * 1000, runs)]),
  );
  if (commands === undefined) return { cpuMs };
  const dbCommandsBy = Object.fromEntries(Object.entries(commands).map(([key, n]) => [key, perRun(n, runs)]));
  return {
    cpuMs,
    dbCommands: perRun(
      Object.values(commands).reduce((a, b) => a + b, 0),
      runs,
    ),
    dbCommandsBy,
  };
}

/**
 * Every process started counts with its descendants (PostgreSQL's backends); the benchmark
 * itself does not, since everything else was started by it.
 */
export function cpuMeter(pids: Map<string, number | undefined>): () => CpuShare {
  const targets = new Map([...pids, ['bench', process.pid]]);
  const read = (name: string, pid: number | undefined) => cpuSeconds(pid, name !== 'bench');
  const started = performance.now();
  const before = new Map([...targets].map(([name, pid]) => [name, read(name, pid)]));
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const share: CpuShare = {};
    for (const [name, pid] of targets) {
      const [a, b] = [before.get(name), read(name, pid)];
      if (a !== undefined && b !== undefined) share[name] = Math.round(((b - a) / seconds) * 100);
    }
    return share;
  };
}

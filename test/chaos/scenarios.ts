// The faults. Each runs while events arrive; it returns once the fault is over (the
// part restarted), which is when the time to recover starts.
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { ChaosCluster } from './cluster';
import type { FlapProfile } from './flaky-receiver';

export interface Scenario {
  name: string;
  title: string;
  /** How the receiver answers. */
  flap: FlapProfile;
  /** The destination's webhook timeout. */
  timeoutMs: number;
  /**
   * Statuses the gateway may answer an event with during this scenario (0: no answer). 503 is
   * always allowed: it answers so when the database keeps a post waiting past the ingest
   * deadline, and the client sends the event again; the report still counts every status.
   */
  allowedStatuses: number[];
  /** Left out of the short form in `npm test` (it would load a shared machine for too long). */
  longFormOnly?: boolean;
  /** Needs the data folder on a disk of its own (see small-disk.ts); left out when the harness could not mount one. */
  needsSmallDisk?: boolean;
  inject(cluster: ChaosCluster, outageMs: number): Promise<void>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One busy process per core for `ms`: the stack's processes get a share of the CPU at best. */
async function starveCpu(ms: number): Promise<void> {
  const busy = Array.from({ length: os.availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  try {
    await pause(ms);
  } finally {
    for (const child of busy) child.kill('SIGKILL');
  }
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'no-fault',
    title: 'No fault: the same load alone, the yardstick for the others (the time the stack needs to work it off)',
    flap: { ok: 4, error500: 1 },
    timeoutMs: 5_000,
    allowedStatuses: [202, 503],
    longFormOnly: true,
    async inject() {
      // Nothing: what the others take beyond this is the fault's.
    },
  },
  {
    name: 'worker-kill',
    title: 'Worker killed with SIGKILL mid-sends and retries, restarted by the supervisor',
    // Some sends fail, so retries are pending when the worker dies.
    flap: { ok: 4, error500: 1 },
    timeoutMs: 5_000,
    allowedStatuses: [202, 503],
    async inject(cluster) {
      // The supervisor starts it again, as `npm start` does.
      await cluster.crashPart('worker');
    },
  },
  {
    name: 'temporal-stop',
    title: 'Temporal server stopped while events arrive, then restarted on its file database',
    flap: { ok: 1 },
    timeoutMs: 5_000,
    // The gateway answers from its outbox: 202 throughout.
    allowedStatuses: [202, 503],
    async inject(cluster, outageMs) {
      await cluster.stopPart('temporal', 'stop');
      await pause(outageMs);
      await cluster.startPart('temporal');
    },
  },
  {
    name: 'ferretdb-stop',
    title: 'FerretDB killed mid-journey, down for a while, then restarted',
    flap: { ok: 1 },
    timeoutMs: 5_000,
    // 503 while an event cannot be stored, never a 2xx for one that was not.
    allowedStatuses: [202, 503],
    async inject(cluster, outageMs) {
      // Killed, not stopped: a stop lets open connections drain for seconds, hiding the outage.
      await cluster.stopPart('ferretdb', 'kill');
      await pause(outageMs);
      await cluster.startPart('ferretdb');
    },
  },
  {
    name: 'gateway-kill',
    title: 'Gateway killed with SIGKILL under load, restarted by the supervisor',
    flap: { ok: 1 },
    timeoutMs: 5_000,
    // Requests in flight when it dies, and those sent before it is back, get no answer.
    allowedStatuses: [202, 0, 503],
    async inject(cluster) {
      await cluster.crashPart('gateway');
    },
  },
  {
    name: 'worker-freeze',
    title: 'Worker frozen with SIGSTOP for 15 s under load, then resumed',
    flap: { ok: 4, error500: 1 },
    timeoutMs: 5_000,
    allowedStatuses: [202, 503],
    async inject(cluster) {
      // Longer than the workflow sandbox's deadlock timer: the wall clock jumps under a running workflow task.
      await cluster.freezePart('worker', 15_000);
    },
  },
  {
    name: 'gateway-freeze',
    title: 'Gateway frozen with SIGSTOP under load, then resumed',
    flap: { ok: 1 },
    timeoutMs: 5_000,
    // Posts sent while it is frozen wait, and those past the client's 15 s get no answer.
    allowedStatuses: [202, 0, 503],
    async inject(cluster, outageMs) {
      await cluster.freezePart('gateway', outageMs);
    },
  },
  {
    name: 'ferretdb-freeze',
    title: 'FerretDB frozen with SIGSTOP mid-journey, then resumed',
    flap: { ok: 1 },
    timeoutMs: 5_000,
    allowedStatuses: [202, 503],
    async inject(cluster, outageMs) {
      await cluster.freezePart('ferretdb', outageMs);
    },
  },
  {
    name: 'cpu-starvation',
    title: 'CPU starvation: a busy process on every core for 30 s under load',
    flap: { ok: 1 },
    timeoutMs: 5_000,
    allowedStatuses: [202, 0, 503],
    longFormOnly: true,
    async inject() {
      await starveCpu(30_000);
    },
  },
  {
    name: 'disk-full',
    title: "The data folder's disk full (FerretDB, Temporal and the logs), then space freed",
    flap: { ok: 1 },
    timeoutMs: 5_000,
    // 507 while the database cannot store an event, never a 2xx for one it did not store.
    allowedStatuses: [202, 503, 507],
    needsSmallDisk: true,
    async inject(cluster, outageMs) {
      await cluster.fillDisk(outageMs);
    },
  },
  {
    name: 'flapping-receiver',
    title: 'Receiver flaps: 500s, 429 with Retry-After, hangs past the timeout, resets, slow bodies',
    flap: { ok: 4, error500: 1, retryAfter429: 1, hang: 1, reset: 1, slowBody: 1 },
    // The shortest a destination allows, so hangs and slow bodies time out quickly.
    timeoutMs: 1_000,
    allowedStatuses: [202, 503],
    async inject() {
      // The receiver is the fault, all along.
    },
  },
];

// Keeps the processes of `npm start` running: a part that exits without being asked to, or
// that a health watch finds hung (database-watch.ts), is started again after a growing pause, and the supervisor gives up (and says why) only when a
// part keeps exiting within a short window. Used by `npm start` and by the chaos harness.
import type { Logger } from '../logger';
import type { ServiceProcess } from './service-process';
import { SUPERVISION_MESSAGE, type PartStatus, type SupervisionStatus } from './supervision-status';

export interface SupervisorPolicy {
  /** A part that exits this many times within `windowMs` is not started again. */
  maxExits: number;
  windowMs: number;
  /** The pause before the first restart; it doubles with each recent exit, up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_POLICY: SupervisorPolicy = {
  maxExits: 5,
  windowMs: 120_000,
  initialBackoffMs: 1_000,
  maxBackoffMs: 15_000,
};

export interface SupervisorOptions {
  logger: Logger;
  policy?: SupervisorPolicy;
  /** Called once when a part keeps failing; the caller stops the rest. */
  onGiveUp(reason: string): void;
  /** Hears every exit nobody asked for, with its pid (the chaos harness tells crashes from its own kills). */
  onExit?(part: string, pid: number | undefined, cause: string): void;
}

interface Part {
  name: string;
  launch: () => Promise<ServiceProcess>;
  process?: ServiceProcess;
  state: PartStatus['state'];
  restarts: number;
  exits: number[];
  lastExit?: string;
  /** Set while a stop was asked for, so that exit is not a crash. */
  stopping: boolean;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "exit code 1" or "signal SIGKILL", and the last line the process printed. */
function describeExit(process: ServiceProcess, code: number | null): string {
  const how = code === null ? `signal ${process.child.signalCode ?? 'unknown'}` : `exit code ${code}`;
  const last = process.outputTail().split('\n').filter(Boolean).at(-1);
  return last ? `${how}; last output: ${last.slice(0, 300)}` : how;
}

export class Supervisor {
  private readonly parts = new Map<string, Part>();
  private readonly policy: SupervisorPolicy;
  private closing = false;
  private gaveUp?: string;

  constructor(private readonly opts: SupervisorOptions) {
    this.policy = opts.policy ?? DEFAULT_POLICY;
  }

  /** Starts a part (a failed first start throws) and watches it from then on. */
  async start(name: string, launch: () => Promise<ServiceProcess>): Promise<void> {
    const part: Part = this.parts.get(name) ?? {
      name,
      launch,
      state: 'starting',
      restarts: 0,
      exits: [],
      stopping: false,
    };
    part.launch = launch;
    this.parts.set(name, part);
    await this.launch(part);
  }

  /** Starts a part stopped with `stop` again. */
  async resume(name: string): Promise<void> {
    await this.launch(this.part(name));
  }

  /** Stops a part on purpose: no restart. `kill` is SIGKILL, as a crash would be. */
  async stop(name: string, how: 'stop' | 'kill' = 'stop'): Promise<void> {
    const part = this.part(name);
    const running = part.process;
    if (!running) return;
    part.stopping = true;
    if (how === 'kill') {
      running.child.kill('SIGKILL');
      await running.exited;
    } else {
      await running.stop();
    }
    part.process = undefined;
    part.state = 'stopped';
    part.stopping = false;
    this.broadcast();
  }

  /**
   * Restarts a part that runs but no longer does its work (its health probe says so): SIGKILL,
   * since a hung server may not finish a graceful stop, then the same counted, backed-off
   * restart as after a crash.
   */
  async restartHung(name: string, cause: string): Promise<void> {
    const part = this.part(name);
    const running = part.process;
    if (!running || this.closing || part.stopping) return;
    part.stopping = true;
    running.child.kill('SIGKILL');
    await running.exited;
    part.process = undefined;
    part.stopping = false;
    await this.restart(part, cause);
  }

  /** Stops every part, the last started first; nothing is restarted after this. */
  async stopAll(): Promise<void> {
    this.closing = true;
    for (const name of [...this.parts.keys()].reverse()) await this.stop(name);
  }

  process(name: string): ServiceProcess | undefined {
    return this.parts.get(name)?.process;
  }

  status(): SupervisionStatus {
    const parts = [...this.parts.values()].map(({ name, state, restarts, lastExit }) => ({
      name,
      state,
      restarts,
      lastExit,
    }));
    return { parts, ...(this.gaveUp && { gaveUp: this.gaveUp }) };
  }

  /** Resolves once the part runs again (after a restart), or throws after `timeoutMs`. */
  async waitRunning(name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.part(name).state !== 'running') {
      if (Date.now() > deadline)
        throw new Error(`${name} did not run again within ${timeoutMs / 1000} s (${this.part(name).state})`);
      await pause(200);
    }
  }

  private part(name: string): Part {
    const part = this.parts.get(name);
    if (!part) throw new Error(`no part named ${name}`);
    return part;
  }

  private async launch(part: Part): Promise<void> {
    part.state = part.restarts > 0 || part.exits.length > 0 ? 'restarting' : 'starting';
    const started = await part.launch();
    if (this.closing) {
      // Everything was asked to stop while this part was starting.
      await started.stop();
      return;
    }
    part.process = started;
    part.state = 'running';
    this.broadcast();
    void started.exited.then((code) => this.exited(part, started, code));
  }

  private exited(part: Part, process: ServiceProcess, code: number | null): void {
    if (part.stopping || part.process !== process) return;
    part.process = undefined;
    const cause = describeExit(process, code);
    this.opts.onExit?.(part.name, process.child.pid, cause);
    if (this.closing) return;
    void this.restart(part, cause);
  }

  /** Restarts after a pause that grows with the part's recent exits; gives up past the policy's limit. */
  private async restart(part: Part, cause: string): Promise<void> {
    const now = Date.now();
    part.exits = [...part.exits.filter((t) => now - t < this.policy.windowMs), now];
    part.lastExit = cause;
    if (part.exits.length >= this.policy.maxExits) {
      part.state = 'failed';
      this.gaveUp = `${part.name} exited ${part.exits.length} times within ${this.policy.windowMs / 1000} s; last: ${cause}`;
      this.opts.logger.error({ process: part.name, cause }, `giving up: ${this.gaveUp}`);
      this.broadcast();
      this.opts.onGiveUp(this.gaveUp);
      return;
    }
    const delayMs = Math.min(this.policy.maxBackoffMs, this.policy.initialBackoffMs * 2 ** (part.exits.length - 1));
    part.state = 'restarting';
    this.opts.logger.warn(
      { process: part.name, cause, delayMs, recentExits: part.exits.length },
      `${part.name} stopped unexpectedly; restarting`,
    );
    this.broadcast();
    await pause(delayMs);
    if (this.closing || part.stopping) return;
    try {
      part.restarts += 1;
      await this.launch(part);
      this.opts.logger.info({ process: part.name, restarts: part.restarts }, `${part.name} restarted`);
    } catch (err) {
      await this.restart(part, err instanceof Error ? err.message.split('\n')[0] : String(err));
    }
  }

  /** Tells every part with an IPC channel (the gateway) how the others are, for /healthz and /metrics. */
  private broadcast(): void {
    const message = { type: SUPERVISION_MESSAGE, status: this.status() };
    for (const part of this.parts.values()) {
      const child = part.process?.child;
      if (child?.connected) child.send(message, () => undefined);
    }
  }
}

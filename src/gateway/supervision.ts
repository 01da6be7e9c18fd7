// Under `npm start` the supervisor tells the gateway, over IPC, how every process it runs is
// doing; /healthz shows it and /metrics counts the restarts. A gateway started on its own has
// no supervisor and shows nothing of this.
import { Counter, Gauge, type Registry } from 'prom-client';
import { supervisionMessage, type SupervisionStatus } from '../embedded/supervision-status';

export class SupervisionReport {
  private status?: SupervisionStatus;

  /** Listens to the parent process when it opened an IPC channel; otherwise undefined. */
  static fromParent(): SupervisionReport | undefined {
    if (!process.send || !process.channel) return undefined;
    const report = new SupervisionReport();
    process.on('message', (message) => {
      const parsed = supervisionMessage.safeParse(message);
      if (parsed.success) report.status = parsed.data.status;
    });
    // The channel alone must not keep the gateway running once it is asked to stop.
    process.channel.unref();
    return report;
  }

  current(): SupervisionStatus | undefined {
    return this.status;
  }

  /** Processes that are not running now (restarting, or given up on). */
  notRunning(): string[] {
    return (this.status?.parts ?? []).filter((p) => p.state !== 'running').map((p) => p.name);
  }

  register(registry: Registry): void {
    // prom-client calls collect() with the metric as `this`; the report is read through this closure.
    const parts = () => this.status?.parts ?? [];
    new Counter({
      name: 'hookway_process_restarts_total',
      help: 'Restarts by the npm start supervisor of a process that exited unexpectedly, by process',
      labelNames: ['process'],
      registers: [registry],
      collect() {
        this.reset();
        for (const part of parts()) this.inc({ process: part.name }, part.restarts);
      },
    });
    new Gauge({
      name: 'hookway_process_up',
      help: '1 while the npm start supervisor has the process running, 0 while it restarts or after it gave up',
      labelNames: ['process'],
      registers: [registry],
      collect() {
        for (const part of parts()) this.set({ process: part.name }, part.state === 'running' ? 1 : 0);
      },
    });
  }
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * The webhook endpoint the benchmark measures against: answers 200 at once and notes when
 * each reference (the `ref` field of the JSON body) arrived, on this process's clock, so
 * latencies are measured from the same clock that started the work.
 */
export class BenchReceiver {
  private readonly arrivals = new Map<string, number[]>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private received = 0;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      let ref: unknown;
      try {
        ref = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ref?: unknown }).ref;
      } catch {
        return;
      }
      if (typeof ref !== 'string') return;
      this.received += 1;
      const arrivals = this.arrivals.get(ref) ?? [];
      arrivals.push(at);
      this.arrivals.set(ref, arrivals);
      for (const wake of this.waiters.get(ref) ?? []) wake();
    });
  });

  static async start(): Promise<BenchReceiver> {
    const receiver = new BenchReceiver();
    receiver.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  get total(): number {
    return this.received;
  }

  /** Requests that arrived with this ref. */
  count(ref: string): number {
    return this.arrivals.get(ref)?.length ?? 0;
  }

  /** When the `count`-th request with this ref arrived (performance.now()); undefined on timeout. */
  arrival(ref: string, count: number, timeoutMs: number): Promise<number | undefined> {
    const seen = () => this.arrivals.get(ref)?.[count - 1];
    if (seen() !== undefined) return Promise.resolve(seen());
    return new Promise((resolve) => {
      const done = (at: number | undefined) => {
        clearTimeout(timer);
        this.waiters.set(
          ref,
          (this.waiters.get(ref) ?? []).filter((w) => w !== check),
        );
        resolve(at);
      };
      const check = () => void (seen() !== undefined && done(seen()));
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.waiters.set(ref, [...(this.waiters.get(ref) ?? []), check]);
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

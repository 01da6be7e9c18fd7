import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  at: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answers this long after the request arrived, as a slow endpoint does. */
  afterMs?: number;
}

/** Instead of answering: 'hang' never answers, 'reset' destroys the connection. */
export type ScriptedFault = 'hang' | 'reset';

/**
 * A real HTTP server standing in for a third-party webhook endpoint: it records every
 * request and answers from a script (the last answer repeats), 200 by default.
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  /** Requests left unanswered ('hang') whose sender closed the connection. */
  hungUp = 0;
  private script: Array<ScriptedAnswer | ScriptedFault> = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      this.requests.push({ method: req.method!, path: req.url!, headers: req.headers, body, json, at: Date.now() });
      const answer = this.script.length > 1 ? this.script.shift()! : (this.script[0] ?? { status: 200 });
      if (answer === 'hang') return void res.on('close', () => this.hungUp++);
      if (answer === 'reset') return void req.socket.destroy();
      const reply = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '{"ok":true}');
      };
      if (answer.afterMs) setTimeout(reply, answer.afterMs);
      else reply();
    });
  });

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers in this order; the last answer repeats. */
  answerWith(...answers: Array<ScriptedAnswer | ScriptedFault>): void {
    this.script = answers;
  }

  async waitFor(count: number, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${this.requests.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.requests;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

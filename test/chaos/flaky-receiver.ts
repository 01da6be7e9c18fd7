// A third-party webhook endpoint that misbehaves on purpose, and keeps the books by
// `webhook-id`: what it received, what it accepted (decided to answer 2xx: the work is done
// even if the answer never reaches the sender), and how often a webhook came again after it
// had been accepted (an at-least-once duplicate).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour = 'ok' | 'error500' | 'retryAfter429' | 'hang' | 'reset' | 'slowBody';

/** Relative weights of each behaviour; a request picks one at random. */
export type FlapProfile = Partial<Record<Behaviour, number>>;

/** A hung request is dropped after this long, well past any webhook timeout used here. */
const HANG_MS = 10_000;
/** A slow body dribbles out over this long, past the short webhook timeout. */
const SLOW_BODY_MS = 2_500;

export interface WebhookTally {
  /** Body of the first request, naming the user and the step. */
  body: { user?: string; step?: string };
  requests: number;
  acknowledged: number;
}

export class FlakyReceiver {
  readonly byWebhookId = new Map<string, WebhookTally>();
  requests = 0;
  /** Requests of a webhook the receiver had already acknowledged. */
  rawDuplicates = 0;
  lastAcknowledgedAt = 0;
  private readonly server: http.Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private profile: FlapProfile) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  static async start(profile: FlapProfile = { ok: 1 }): Promise<FlakyReceiver> {
    const receiver = new FlakyReceiver(profile);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** From now on, answer per this profile (e.g. behave once the fault is over). */
  behave(profile: FlapProfile): void {
    this.profile = profile;
  }

  private pick(): Behaviour {
    const entries = Object.entries(this.profile) as Array<[Behaviour, number]>;
    let roll = Math.random() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [behaviour, weight] of entries) {
      roll -= weight;
      if (roll < 0) return behaviour;
    }
    return 'ok';
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    this.requests += 1;
    const id = String(req.headers['webhook-id'] ?? '');
    let tally = this.byWebhookId.get(id);
    if (!tally) {
      let parsed: WebhookTally['body'] = {};
      try {
        parsed = JSON.parse(body) as WebhookTally['body'];
      } catch {
        // counted all the same
      }
      tally = { body: parsed, requests: 0, acknowledged: 0 };
      this.byWebhookId.set(id, tally);
    }
    tally.requests += 1;
    if (tally.acknowledged > 0) this.rawDuplicates += 1;
    const acknowledge = () => {
      tally.acknowledged += 1;
      this.lastAcknowledgedAt = Date.now();
    };
    switch (this.pick()) {
      case 'ok':
        acknowledge();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        return;
      case 'error500':
        res.writeHead(500).end('{"error":"flap"}');
        return;
      case 'retryAfter429':
        res.writeHead(429, { 'retry-after': '1' }).end('{"error":"slow down"}');
        return;
      case 'hang':
        this.later(HANG_MS, () => req.socket.destroy());
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'slowBody':
        // A 200 whose body arrives after the sender gave up: the receiver did the work, the
        // sender saw a timeout; its retry is a duplicate the receiver must de-duplicate.
        acknowledge();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"ok":');
        this.later(SLOW_BODY_MS, () => res.end('true}'));
        return;
    }
  }

  /** Webhook ids acknowledged at least once. */
  acknowledgedIds(): string[] {
    return [...this.byWebhookId].filter(([, t]) => t.acknowledged > 0).map(([id]) => id);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

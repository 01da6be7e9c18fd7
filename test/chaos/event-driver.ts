// Sends events to the gateway as a customer's backend would: paced, a bounded number at a
// time, and, for an event that got no 2xx, again later with the same id (at-least-once).

export interface EventToSend {
  id: string;
  userId: string;
  name: string;
}

export interface SentEvent extends EventToSend {
  /** The status of each attempt; 0 when no answer came (refused, reset, timed out). */
  statuses: number[];
  /** Why each attempt without an answer got none: "timeout", or the socket error's code. */
  noAnswer: string[];
  acknowledged: boolean;
}

const REQUEST_TIMEOUT_MS = 15_000;

export class EventDriver {
  readonly sent: SentEvent[] = [];

  constructor(
    private readonly gatewayUrl: string,
    private readonly apiKey: string,
  ) {}

  /** Calls the admin API; throws unless it answers 2xx. */
  async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  private async post(event: SentEvent): Promise<void> {
    let status = 0;
    try {
      const response = await fetch(`${this.gatewayUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: event.id, userId: event.userId, name: event.name }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch (err) {
      // No answer: the gateway is down, the connection broke, or it did not answer in time.
      event.noAnswer.push(noAnswerCause(err));
    }
    event.statuses.push(status);
    if (status >= 200 && status < 300) event.acknowledged = true;
  }

  /**
   * Sends each event once, `concurrency` at a time, no faster than one per `intervalMs`;
   * `onProgress` hears the share sent so far.
   */
  async drive(
    events: EventToSend[],
    opts: { concurrency: number; intervalMs: number; onProgress?: (share: number) => void },
  ): Promise<void> {
    const started = Date.now();
    let next = 0;
    const lane = async () => {
      while (next < events.length) {
        const index = next++;
        const wait = started + index * opts.intervalMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const event: SentEvent = { ...events[index], statuses: [], noAnswer: [], acknowledged: false };
        this.sent.push(event);
        await this.post(event);
        opts.onProgress?.((index + 1) / events.length);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, lane));
  }

  /** Sends again, with the same ids, every event not yet acknowledged; bounded in rounds. */
  async resendUnacknowledged(opts: { rounds: number; pauseMs: number; concurrency: number }): Promise<void> {
    for (let round = 0; round < opts.rounds; round++) {
      const pending = this.sent.filter((e) => !e.acknowledged);
      if (pending.length === 0) return;
      for (let i = 0; i < pending.length; i += opts.concurrency) {
        await Promise.all(pending.slice(i, i + opts.concurrency).map((e) => this.post(e)));
      }
      await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  }

  acknowledged(): SentEvent[] {
    return this.sent.filter((e) => e.acknowledged);
  }

  /** How often each status was answered, over every attempt ("0": no answer). */
  statusCounts(): Record<string, number> {
    return tally(this.sent.flatMap((e) => e.statuses.map(String)));
  }

  /** Why the attempts answered "0" got no answer. */
  noAnswerCauses(): Record<string, number> {
    return tally(this.sent.flatMap((e) => e.noAnswer));
  }
}

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function noAnswerCause(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: string; name?: string } | undefined) : undefined;
  return cause?.code ?? cause?.name ?? (err instanceof Error ? err.name : 'unknown');
}

import http from 'node:http';

const REQUEST_TIMEOUT_MS = 60_000;
/** Tries of one event post answered 503. */
const RESENDS = 5;

/** The gateway's API as a customer calls it, over kept-alive connections. */
/** The bench's campaigns: one webhook to the receiver, after a delay when one is given. */
export function webhookCampaign(id: string, trigger: string, url: string, delay?: string) {
  const webhook = {
    id: 'hook',
    type: 'webhook',
    request: { method: 'POST', url, body: { ref: '{{event.id}}', campaign: '{{campaign.id}}' } },
  };
  const steps = delay ? [{ id: 'wait', type: 'delay', duration: delay }, webhook] : [webhook];
  return { id, name: `bench ${id}`, trigger: { event: trigger }, steps };
}

export class GatewayClient {
  // Idle sockets close before the server's 5 s keep-alive timeout would close them under a request.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 });

  constructor(
    readonly url: string,
    private readonly apiKey: string,
  ) {}

  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.url}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.apiKey}`,
            ...(payload !== undefined && {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      // A request the gateway never answers fails the run instead of stalling the benchmark.
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.end(payload);
    });
  }

  async expect(method: string, path: string, body: unknown, status: number): Promise<void> {
    const res = await this.request(method, path, body);
    if (res.status !== status)
      throw new Error(`${method} ${path}: expected ${status}, got ${res.status}: ${res.body.slice(0, 300)}`);
  }

  /** Posts events as a client should: a 503 (the database did not answer in time) is sent again with the same ids. */
  async postEvents(body: unknown): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.request('POST', '/v1/events', body);
      if (res.status === 202) return;
      if (res.status !== 503 || attempt === RESENDS)
        throw new Error(`events POST answered ${res.status}: ${res.body.slice(0, 200)}`);
    }
  }

  /** Creates and activates a campaign whose one webhook posts `{ ref, campaign }` to `url`, after `delay` if given. */
  async createWebhookCampaign(id: string, trigger: string, url: string, delay?: string): Promise<void> {
    await this.expect('POST', '/v1/campaigns', webhookCampaign(id, trigger, url, delay), 201);
    await this.expect('POST', `/v1/campaigns/${id}/activate`, undefined, 200);
  }

  close(): void {
    this.agent.destroy();
  }
}

import type { WorkflowBundleOption } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { ServiceProcess } from '../../src/embedded/service-process';
import { connectRepositories, type Repositories } from '../../src/db/connection';
import { startGateway, type RunningGateway } from '../../src/gateway/start';
import { createLogger, type Logger } from '../../src/logger';
import { startWorker as startJourneyWorker } from '../../src/worker';
import { codecKeysSchema } from '../../src/domain/codec-keys';
import { EncryptionCodec } from '../../src/temporal/payload-codec';

export interface Stack {
  dir: string;
  mongoUri: string;
  temporalAddress: string;
  workflowBundle: WorkflowBundleOption;
  services: ServiceProcess[];
}

let current: Stack | undefined;

export function setStack(stack: Stack): void {
  current = stack;
}

export function stack(): Stack {
  if (!current) throw new Error('the test stack is not running; mocha must load test/support/hooks');
  return current;
}

/** Each suite keeps its data in a database of its own, named after its task queue. */
export function mongoUriFor(database: string): string {
  return stack().mongoUri.replace('/hookway?', `/${database}?`);
}

export const logger = createLogger(process.env.LOG_LEVEL ?? 'silent', 'test');
export const API_KEY = 'test-api-key-0123456789';
/** Every test client and worker encrypts payloads, as production does. */
export const TEST_CODEC_KEYS = 'ktest:dGhlIHRlc3QgY29kZWMga2V5LCAzMiBieXRlcyEhISE=';
export const testCodec = () => new EncryptionCodec(codecKeysSchema.parse(TEST_CODEC_KEYS));
/** The receivers run on loopback, which the SSRF guard refuses unless allowed, as here. */
export const TEST_NETWORK = { allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] };

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A journey worker on its own task queue, with real activities against the test FerretDB. */
export function startWorker(
  taskQueue: string,
  opts: { temporalAddress?: string; webhookTimeoutMs?: number; serveMetrics?: boolean } = {},
) {
  return startJourneyWorker({
    mongoUri: mongoUriFor(taskQueue),
    temporalAddress: opts.temporalAddress ?? stack().temporalAddress,
    namespace: 'default',
    taskQueue,
    codec: testCodec(),
    webhookTimeoutMs: opts.webhookTimeoutMs ?? 15_000,
    network: TEST_NETWORK,
    logger,
    metricsAt: opts.serveMetrics ? { host: '127.0.0.1', port: 0 } : undefined,
    workflowBundle: stack().workflowBundle,
  });
}

export function startTestGateway(
  taskQueue: string,
  opts: {
    temporalAddress?: string;
    mongoUri?: string;
    outboxSweepMs?: number;
    ingestRate?: string;
    maxConnections?: number;
    logger?: Logger;
    temporalUiUrl?: string;
  } = {},
): Promise<RunningGateway> {
  return startGateway({
    mongoUri: opts.mongoUri ?? mongoUriFor(taskQueue),
    temporalAddress: opts.temporalAddress ?? stack().temporalAddress,
    namespace: 'default',
    taskQueue,
    apiKey: API_KEY,
    ingestRate: opts.ingestRate ?? '100/s',
    port: 0,
    host: '127.0.0.1',
    campaignRefreshMs: 60_000,
    outboxSweepMs: opts.outboxSweepMs ?? 500,
    webhookTimeoutMs: 5_000,
    secretGraceMs: 86_400_000,
    fanOutEntriesPerSecond: 100,
    network: TEST_NETWORK,
    codec: testCodec(),
    codecCorsOrigins: ['http://127.0.0.1:8233'],
    maxConnections: opts.maxConnections,
    logger: opts.logger ?? logger,
    temporalUiUrl: opts.temporalUiUrl,
  });
}

export function testRepositories(taskQueue: string): Promise<Repositories> {
  return connectRepositories(mongoUriFor(taskQueue));
}

/** Calls the gateway's API as a customer would. */
export async function api(
  gateway: Pick<RunningGateway, 'url'>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${API_KEY}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

import type { PayloadCodec } from '@temporalio/common';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config';
import { connectRepositories } from '../db/connection';
import { databaseState } from '../db/health';
import { probe } from '../health-check';
import { AddressPolicy } from '../delivery/address-guard';
import { WebhookSender } from '../delivery/sender';
import type { Logger } from '../logger';
import { connectClient, pingTemporal } from '../temporal/connect';
import { ActiveCampaigns } from './active-campaigns';
import { createApp } from './app';
import { EventRouter } from './event-router';
import type { SupervisionReport } from './supervision';

export interface GatewayOptions {
  mongoUri: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  apiKey: string;
  ingestRate: string;
  /** 0 picks a free port. */
  port: number;
  host: string;
  campaignRefreshMs: number;
  outboxSweepMs: number;
  webhookTimeoutMs: number;
  secretGraceMs: number;
  fanOutEntriesPerSecond: number;
  network: Config['network'];
  /** Encrypts Temporal payloads; the gateway also serves it to operators at /codec. */
  codec: PayloadCodec;
  /** Web UI origins that may call /codec from a browser. */
  codecCorsOrigins: string[];
  /** The embedded Web UI's codec path secret (/codec/ui/<secret>); unset: no such path. */
  codecUiSecret?: string;
  logger: Logger;
  /** Adds Node's process metrics to /metrics; set by the entry point, once per process. */
  processMetrics?: boolean;
  supervision?: SupervisionReport;
  /** The Temporal Web UI, for the studio's links to journeys. */
  temporalUiUrl?: string;
  /** Open connections past this are closed at once; DEFAULT_MAX_CONNECTIONS unless given. */
  maxConnections?: number;
}

export interface RunningGateway {
  url: string;
  router: EventRouter;
  close(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 2_000;

/**
 * Node's defaults (60 s for headers, 300 s for a request, no connection cap) let a client that
 * drips bytes hold a connection for minutes. An event post is answered within 8 s.
 */
export const SERVER_LIMITS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  /** How often Node checks the two timeouts above; its default is 30 s. */
  connectionsCheckingInterval: 1_000,
} as const;
export const DEFAULT_MAX_CONNECTIONS = 1_000;

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const repositories = await connectRepositories(opts.mongoUri, opts.logger);
  const temporal = await connectClient(opts.temporalAddress, opts.namespace, opts.codec);
  const active = new ActiveCampaigns(repositories.campaigns);
  await active.refresh();
  const router = new EventRouter({
    events: repositories.events,
    claims: repositories.claims,
    profiles: repositories.profiles,
    campaigns: active,
    temporal,
    taskQueue: opts.taskQueue,
    logger: opts.logger,
    sweepIntervalMs: opts.outboxSweepMs,
    fanOutEntriesPerSecond: opts.fanOutEntriesPerSecond,
  });
  router.startSweeping();
  const refreshTimer = setInterval(() => {
    active.refresh().catch((err) => opts.logger.warn({ err }, 'campaign refresh failed; keeping the last known set'));
  }, opts.campaignRefreshMs);
  refreshTimer.unref();

  const app = createApp({
    repositories,
    temporal,
    taskQueue: opts.taskQueue,
    sender: new WebhookSender(new AddressPolicy(opts.network), opts.network.proxy),
    webhookTimeoutMs: opts.webhookTimeoutMs,
    secretGraceMs: opts.secretGraceMs,
    fanOutEntriesPerSecond: opts.fanOutEntriesPerSecond,
    active,
    router,
    apiKey: opts.apiKey,
    ingestRate: opts.ingestRate,
    codec: { codec: opts.codec, corsOrigins: opts.codecCorsOrigins, uiSecret: opts.codecUiSecret },
    logger: opts.logger,
    processMetrics: opts.processMetrics,
    supervision: opts.supervision,
    temporalUiUrl: opts.temporalUiUrl,
    // Both at once, so that /healthz answers within the slower deadline (compose allows 5 s).
    checkHealth: async () => {
      const [mongodb, temporalHealth] = await Promise.all([
        databaseState(repositories.connection.db!),
        probe(() => pingTemporal(temporal, HEALTH_TIMEOUT_MS), HEALTH_TIMEOUT_MS),
      ]);
      return { mongodb, temporal: temporalHealth };
    },
  });
  const server = createServer(SERVER_LIMITS, app);
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveTimeout;
  server.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`,
    router,
    async close() {
      clearInterval(refreshTimer);
      await router.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.connection.close();
      await repositories.connection.close();
    },
  };
}

import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import cors from 'cors';
import express, { type Express, type RequestHandler, type Response, type Router } from 'express';
import { collectDefaultMetrics } from 'prom-client';
import helmet from 'helmet';
import type { Repositories } from '../db/connection';
import type { WebhookSender } from '../delivery/sender';
import type { Logger } from '../logger';
import { countDbCommands } from '../metrics/db-commands';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import type { ActiveCampaigns } from './active-campaigns';
import { answerWithin } from './answer-within';
import { authenticate, requireAdmin } from './auth';
import { dashboard } from './dashboard';
import type { EventRouter } from './event-router';
import type { SupervisionReport } from './supervision';
import { errorHandler, notFound, requireJsonBody } from './http-errors';
import { limitIngestion } from './ingest-limit';
import { campaignRoutes } from './routes/campaigns';
import { codecRoutes, uiCodecRoutes } from './routes/codec';
import { deliveryRoutes } from './routes/deliveries';
import { destinationRoutes } from './routes/destinations';
import { eventRoutes } from './routes/events';
import { statsRoutes } from './routes/stats';
import { settingsRoutes } from './routes/settings';
import { fanOutRoutes } from './routes/fan-outs';
import { segmentRoutes } from './routes/segments';
import { userRoutes } from './routes/users';
import { keyRoutes } from './routes/keys';
import { allOk, type ServiceHealth } from '../health-check';
import { studioDraftRoutes } from './routes/studio';
import { studioJourneyRoutes } from './routes/studio-journeys';

export interface GatewayDeps {
  repositories: Repositories;
  temporal: Client;
  taskQueue: string;
  sender: WebhookSender;
  webhookTimeoutMs: number;
  secretGraceMs: number;
  fanOutEntriesPerSecond: number;
  active: ActiveCampaigns;
  router: EventRouter;
  apiKey: string;
  /** Default ingestion rate per key, such as 100/s. */
  ingestRate: string;
  /**
   * The payload codec served at /codec, the Web UI origins that may call it, and the secret of
   * the embedded Web UI's own codec path (/codec/ui/<secret>), when `npm start` runs that UI.
   */
  codec: { codec: PayloadCodec; corsOrigins: string[]; uiSecret?: string };
  logger: Logger;
  /** Adds Node's process metrics to /metrics; once per process (the gateway's entry point sets it). */
  processMetrics?: boolean;
  /** The Temporal Web UI, for the studio's links to journeys. */
  temporalUiUrl?: string;
  /** Resolves when every service the gateway needs answers; rejects naming the one that does not. */
  checkHealth: () => Promise<ServiceHealth>;
  /** What `npm start`'s supervisor says of the processes it runs; absent when the gateway runs on its own. */
  supervision?: SupervisionReport;
}

const BODY_LIMIT = '1mb';
/** An event post the database keeps waiting longer is answered 503; clients commonly give up at 10 s. */
const INGEST_DEADLINE_MS = 8_000;

/** Everything the dashboard loads comes from the gateway itself. */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};

/** Counts and route patterns only, like /healthz: for the Prometheus scraper, without the key. */
function mountOpenRoutes(app: Express, deps: GatewayDeps, metrics: GatewayMetrics): void {
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use('/dashboard', metrics.rememberMount(), dashboard());

  app.get('/healthz', async (_req, res) => {
    const services = await deps.checkHealth();
    const healthy = allOk(services);
    // A process being restarted leaves event intake working: degraded, still 200.
    const restarting = deps.supervision?.notRunning() ?? [];
    const status = !healthy ? 'unavailable' : restarting.length > 0 ? 'degraded' : 'ok';
    const processes = deps.supervision?.current();
    res.status(healthy ? 200 : 503).json({ status, services, ...(processes && { processes, restarting }) });
  });
}

/** The browser's preflight carries no key, so CORS answers before authentication. */
function mountCodec(app: Express, deps: GatewayDeps, authenticated: RequestHandler): void {
  const codecCors = cors({
    origin: deps.codec.corsOrigins,
    methods: ['POST'],
    allowedHeaders: ['authorization', 'content-type', 'x-namespace'],
    credentials: true,
  });
  const { uiSecret } = deps.codec;
  if (uiSecret) app.use('/codec/ui/:secret', uiCodecRoutes({ ...deps.codec, secret: uiSecret, logger: deps.logger }));
  app.use('/codec', codecCors, authenticated, requireAdmin, codecRoutes(deps.codec.codec));
}

/** Every route for admin keys only. */
function adminRoutes(deps: GatewayDeps): Router {
  const router = express.Router();
  const { temporal, taskQueue } = deps;
  const { campaigns, deliveries, destinations, profiles, segments, audience, events, journeys } = deps.repositories;
  const testSend = { profiles, destinations, sender: deps.sender, defaultTimeoutMs: deps.webhookTimeoutMs };
  const schedules = { taskQueue, entriesPerSecond: deps.fanOutEntriesPerSecond };
  const segmentRepos = { segments, audience };
  router.use(keyRoutes({ accessKeys: deps.repositories.accessKeys }));
  router.use(campaignRoutes({ campaigns, active: deps.active, testSend, temporal, schedules, segments: segmentRepos }));
  router.use(segmentRoutes(segmentRepos));
  router.use(userRoutes({ profiles, events, journeys }));
  router.use(statsRoutes({ stats: deps.repositories.stats, campaigns }));
  router.use(fanOutRoutes({ campaigns, temporal, taskQueue, entriesPerSecond: deps.fanOutEntriesPerSecond }));
  router.use(deliveryRoutes({ deliveries, temporal, taskQueue }));
  router.use(destinationRoutes({ destinations, deliveries, temporal, taskQueue, secretGraceMs: deps.secretGraceMs }));
  router.use(settingsRoutes({ settings: deps.repositories.settings }));
  router.use(studioDraftRoutes({ campaigns, testSend, profiles, events, segments: segmentRepos }));
  router.use(studioJourneyRoutes({ campaigns, deliveries, temporal, temporalUiUrl: deps.temporalUiUrl }));
  return router;
}

function v1Routes(deps: GatewayDeps, metrics: GatewayMetrics, authenticated: RequestHandler): Router {
  const v1 = express.Router();
  v1.use(metrics.rememberMount());
  v1.post('/events', answerWithin(INGEST_DEADLINE_MS));
  v1.use(authenticated);
  const ingestLimit = limitIngestion(deps.ingestRate);
  v1.post('/events', ingestLimit.admit);
  v1.use(requireJsonBody);
  // The body's size once inflated, which the ingest limit charges for.
  const countBytes = (_req: unknown, res: object, body: Buffer) =>
    void ((res as Response).locals.bodyBytes = body.length);
  v1.use(express.json({ limit: BODY_LIMIT, type: 'application/json', verify: countBytes }));
  v1.use(eventRoutes({ router: deps.router, metrics, ingestLimit }));
  // Every route below is for admin keys only; ingest keys stop here with a 403.
  v1.use(requireAdmin);
  v1.use(adminRoutes(deps));
  return v1;
}

export function createApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY } }));
  const metrics = new GatewayMetrics(deps.repositories.events);
  if (deps.processMetrics) collectDefaultMetrics({ register: metrics.registry });
  countDbCommands(deps.repositories.connection, metrics.registry);
  app.use(metrics.countRequests());
  deps.supervision?.register(metrics.registry);
  mountOpenRoutes(app, deps, metrics);
  const authenticated = authenticate(deps.apiKey, deps.repositories.accessKeys);
  mountCodec(app, deps, authenticated);
  app.use('/v1', v1Routes(deps, metrics, authenticated));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Repositories } from '../db/connection';
import type { WebhookSender } from '../delivery/sender';
import type { Logger } from '../logger';
import type { ActiveCampaigns } from './active-campaigns';
import { authenticate, requireAdmin } from './auth';
import type { EventRouter } from './event-router';
import { errorHandler, notFound, requireJsonBody } from './http-errors';
import { limitIngestion } from './ingest-limit';
import { campaignRoutes } from './routes/campaigns';
import { deliveryRoutes } from './routes/deliveries';
import { destinationRoutes } from './routes/destinations';
import { eventRoutes } from './routes/events';
import { keyRoutes } from './routes/keys';

export interface GatewayDeps {
  repositories: Repositories;
  temporal: Client;
  taskQueue: string;
  sender: WebhookSender;
  webhookTimeoutMs: number;
  secretGraceMs: number;
  active: ActiveCampaigns;
  router: EventRouter;
  apiKey: string;
  /** Default ingestion rate per key, such as 100/s. */
  ingestRate: string;
  logger: Logger;
  /** Resolves when every service the gateway needs answers; rejects naming the one that does not. */
  checkHealth: () => Promise<Record<string, 'ok' | 'down'>>;
}

const BODY_LIMIT = '1mb';

/** Everything the dashboard loads comes from the gateway itself. */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};

export function createApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY } }));

  app.get('/healthz', async (_req, res) => {
    const services = await deps.checkHealth();
    const healthy = Object.values(services).every((s) => s === 'ok');
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable', services });
  });

  const v1 = express.Router();
  v1.use(authenticate(deps.apiKey, deps.repositories.accessKeys));
  v1.post('/events', limitIngestion(deps.ingestRate));
  v1.use(requireJsonBody);
  v1.use(express.json({ limit: BODY_LIMIT, type: 'application/json' }));
  const { campaigns, deliveries, destinations, profiles } = deps.repositories;
  const testSend = { profiles, destinations, sender: deps.sender, defaultTimeoutMs: deps.webhookTimeoutMs };
  v1.use(eventRoutes({ router: deps.router }));
  // Every route below is for admin keys only; ingest keys stop here with a 403.
  v1.use(requireAdmin);
  v1.use(keyRoutes({ accessKeys: deps.repositories.accessKeys }));
  v1.use(campaignRoutes({ campaigns, active: deps.active, testSend, temporal: deps.temporal }));
  v1.use(deliveryRoutes({ deliveries, temporal: deps.temporal, taskQueue: deps.taskQueue }));
  v1.use(destinationRoutes({ destinations, deliveries, temporal: deps.temporal, taskQueue: deps.taskQueue, secretGraceMs: deps.secretGraceMs }));
  app.use('/v1', v1);

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

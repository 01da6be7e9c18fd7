import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Repositories } from '../db/connection';
import type { WebhookSender } from '../delivery/sender';
import type { Logger } from '../logger';
import type { ActiveCampaigns } from './active-campaigns';
import { requireApiKey } from './auth';
import type { EventRouter } from './event-router';
import { errorHandler, notFound, requireJsonBody } from './http-errors';
import { campaignRoutes } from './routes/campaigns';
import { deliveryRoutes } from './routes/deliveries';
import { destinationRoutes } from './routes/destinations';
import { eventRoutes } from './routes/events';
import { fanOutRoutes } from './routes/fan-outs';
import { segmentRoutes } from './routes/segments';
import { userRoutes } from './routes/users';

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
  logger: Logger;
  /** Resolves when every service the gateway needs answers; rejects naming the one that does not. */
  checkHealth: () => Promise<Record<string, 'ok' | 'down'>>;
}

const BODY_LIMIT = '1mb';

export function createApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/healthz', async (_req, res) => {
    const services = await deps.checkHealth();
    const healthy = Object.values(services).every((s) => s === 'ok');
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable', services });
  });

  const v1 = express.Router();
  v1.use(requireApiKey(deps.apiKey));
  v1.use(requireJsonBody);
  v1.use(express.json({ limit: BODY_LIMIT, type: 'application/json' }));
  const { campaigns, deliveries, destinations, profiles } = deps.repositories;
  const testSend = { profiles, destinations, sender: deps.sender, defaultTimeoutMs: deps.webhookTimeoutMs };
  const schedules = { taskQueue: deps.taskQueue, entriesPerSecond: deps.fanOutEntriesPerSecond };
  const { segments, audience, events, journeys } = deps.repositories;
  v1.use(campaignRoutes({ campaigns, active: deps.active, testSend, temporal: deps.temporal, schedules, segments: { segments, audience } }));
  v1.use(segmentRoutes({ segments, audience }));
  v1.use(userRoutes({ profiles, events, journeys }));
  v1.use(eventRoutes({ router: deps.router }));
  v1.use(fanOutRoutes({ campaigns, temporal: deps.temporal, taskQueue: deps.taskQueue, entriesPerSecond: deps.fanOutEntriesPerSecond }));
  v1.use(deliveryRoutes({ deliveries, temporal: deps.temporal, taskQueue: deps.taskQueue }));
  v1.use(destinationRoutes({ destinations, deliveries, temporal: deps.temporal, taskQueue: deps.taskQueue, secretGraceMs: deps.secretGraceMs }));
  app.use('/v1', v1);

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

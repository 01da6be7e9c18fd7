// Activities are built by a factory over their dependencies, so the worker and the tests
// create them against real services.
import { Context } from '@temporalio/activity';
import type { Repositories } from '../src/db/connection';
import type { WebhookSender } from '../src/delivery/sender';
import type { Logger } from '../src/logger';
import { WorkerMetrics } from '../src/metrics/worker-metrics';
import { createAudienceActivities } from './audience';
import { createEntryActivities } from './entry';
import { createEntryAndSendActivities } from './entry-and-send';
import { createFatigueActivities } from './fatigue';
import { createFanOutActivities, type EnterJourney } from './fan-out';
import { createFanOutAudienceActivities } from './fan-out-audience';
import { createJourneyActivities } from './journey';
import { createRetentionActivities } from './retention';
import { checkSendBeforeFirstAttempt, createSendStepActivities } from './send-step';
import { SystemEventWriter } from './system-events';
import { createWebhookActivities } from './webhook';

export interface ActivityDeps {
  repositories: Repositories;
  sender: WebhookSender;
  webhookTimeoutMs: number;
  logger: Logger;
  /** The worker's Prometheus metrics; activities built without a worker (tests) keep their own. */
  metrics?: WorkerMetrics;
  /** How fan-outs enter users: src/temporal/journeys.ts's enterJourney. */
  enterJourney: EnterJourney;
}

export function createActivities({
  repositories,
  sender,
  webhookTimeoutMs,
  logger,
  metrics = new WorkerMetrics(),
  enterJourney,
}: ActivityDeps) {
  const systemEvents = new SystemEventWriter({ campaigns: repositories.campaigns, events: repositories.events });
  const webhook = {
    profiles: repositories.profiles,
    deliveries: repositories.deliveries,
    destinations: repositories.destinations,
    systemEvents,
    journeys: repositories.journeys,
    stats: repositories.statsRecorder,
    metrics,
    sender,
    defaultTimeoutMs: webhookTimeoutMs,
    logger,
  };
  const fatigue = {
    settings: repositories.settings,
    sendLog: repositories.sendLog,
    profiles: repositories.profiles,
    campaigns: repositories.campaigns,
    logger,
  };
  const audience = createAudienceActivities({ profiles: repositories.profiles, audience: repositories.audience });
  const journey = {
    journeys: repositories.journeys,
    systemEvents,
    campaigns: repositories.campaigns,
    stats: repositories.statsRecorder,
    claims: repositories.claims,
    logger,
  };
  const sendStep = createSendStepActivities({ ...webhook, ...fatigue });
  const entrySteps = { checkAudience: audience.checkAudience, ...sendStep };
  return {
    ...audience,
    ...createJourneyActivities(journey),
    ...createEntryActivities(journey, entrySteps),
    ...createEntryAndSendActivities(
      { ...journey, webhook },
      { ...entrySteps, checkSendAndPrepare: checkSendBeforeFirstAttempt({ ...webhook, ...fatigue }) },
    ),
    ...createFanOutActivities({
      campaigns: repositories.campaigns,
      entries: repositories.fanOutEntries,
      profiles: repositories.profiles,
      temporal: () => ({ client: Context.current().client, taskQueue: Context.current().info.taskQueue }),
      enterJourney,
    }),
    ...createFanOutAudienceActivities({ audience: repositories.audience }),
    ...createRetentionActivities({ events: repositories.events, logger }),
    ...createWebhookActivities(webhook),
    ...createFatigueActivities(fatigue),
    ...sendStep,
  };
}

export type Activities = ReturnType<typeof createActivities>;

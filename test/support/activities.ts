// The worker's activities over a test's repositories, sending to local receivers only.
import { createActivities } from '../../activities';
import type { Repositories } from '../../src/db/connection';
import { AddressPolicy } from '../../src/delivery/address-guard';
import { WebhookSender } from '../../src/delivery/sender';
import type { Logger } from '../../src/logger';
import { enterJourney } from '../../src/temporal/journeys';
import { logger, TEST_NETWORK } from './stack';

export function testActivities(repositories: Repositories, log: Logger = logger) {
  return createActivities({
    repositories,
    sender: new WebhookSender(new AddressPolicy(TEST_NETWORK)),
    webhookTimeoutMs: 5_000,
    logger: log,
    enterJourney,
  });
}

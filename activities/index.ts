// Activities are built by a factory over their dependencies, so the worker and the tests
// create them against real services.
import type { DeliveryRepository } from '../src/db/deliveries';
import type { ProfileRepository } from '../src/db/profiles';
import type { Logger } from '../src/logger';
import { createAudienceActivities } from './audience';
import { createWebhookActivities } from './webhook';

export interface ActivityDeps {
  profiles: ProfileRepository;
  deliveries: DeliveryRepository;
  webhookTimeoutMs: number;
  logger: Logger;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAudienceActivities(deps),
    ...createWebhookActivities({ ...deps, timeoutMs: deps.webhookTimeoutMs }),
  };
}

export type Activities = ReturnType<typeof createActivities>;

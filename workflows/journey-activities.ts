// The activities a journey calls: local ones (inside the workflow task that asks for them: no
// task-queue round trip and no workflow task of their own, which was most of what a journey cost
// beyond its send) or, in journeys started before them, queued ones.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SHORT_STEP } from './activity-options';
import { deliverySteps } from './deliver';

const queuedSteps = proxyActivities<Activities>(SHORT_STEP);
const localSteps = proxyLocalActivities<Activities>(SHORT_STEP);

const JOURNEY_ACTIVITIES = [
  'checkAudience',
  'enterAndCheck',
  'chooseBranch',
  'loadUserProperties',
  'recordConversion',
  'admitJourney',
  'journeyEnded',
  'campaignStatus',
  'planSend',
  'reserveSend',
  'checkSend',
  'checkSendAndPrepare',
  'releaseSend',
  'userTimeZone',
  'countJourneyFact',
] as const;

type JourneyActivities = Pick<typeof queuedSteps, (typeof JOURNEY_ACTIVITIES)[number]>;

export function journeySteps(local: boolean) {
  const proxy = local ? localSteps : queuedSteps;
  // Read one by one: a proxy has no own keys to spread.
  const steps = Object.fromEntries(JOURNEY_ACTIVITIES.map((name) => [name, proxy[name]])) as JourneyActivities;
  return { ...steps, ...deliverySteps(local) };
}

export type JourneySteps = ReturnType<typeof journeySteps>;

// What templates and conditions can read: the names a marketer writes in a campaign.
import type { JourneyEvent, Properties } from './event';
import type { StepContexts } from './journey-state';

/** What an activity needs to know about the journey that called it. */
export interface JourneyRef {
  journeyId: string;
  userId: string;
  campaign: { id: string; name: string };
  trigger: JourneyEvent;
  /** What earlier steps saved: webhook responses and awaited events. */
  steps?: StepContexts;
}

export interface JourneyScope {
  user: { id: string; properties: Properties };
  event: { id: string; name: string; timestamp: string; properties: Properties };
  campaign: { id: string; name: string };
  journey: { id: string };
  steps: StepContexts;
}

export function journeyScope(ref: JourneyRef, userProperties: Properties | undefined): JourneyScope {
  const { trigger } = ref;
  return {
    user: { id: ref.userId, properties: userProperties ?? {} },
    event: { id: trigger.id, name: trigger.name, timestamp: trigger.timestamp, properties: trigger.properties },
    campaign: ref.campaign,
    journey: { id: ref.journeyId },
    steps: ref.steps ?? {},
  };
}

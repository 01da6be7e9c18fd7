// The journey interpreter: one workflow per (campaign, user). It runs the campaign
// definition frozen into its input, so later edits never change a running journey.
// Deterministic: only @temporalio/workflow and pure domain code.
import { defineSignal, proxyActivities, setHandler, sleep, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { JourneyRef } from '../src/domain/scope';
import type { Campaign, WebhookStep } from '../src/domain/campaign';
import { parseDuration } from '../src/domain/duration';
import type { JourneyEvent } from '../src/domain/event';
import { deliver, prepareWebhook } from './deliver';

export interface JourneyInput {
  campaign: Campaign;
  userId: string;
  trigger: JourneyEvent;
}

export type JourneyOutcome = 'completed' | 'notInAudience' | 'webhookFailed';

export interface JourneyResult {
  outcome: JourneyOutcome;
  failedStep?: string;
}

/** Every event for this journey's user arrives here; the trigger too, through signalWithStart. */
export const eventSignal = defineSignal<[JourneyEvent]>('event');

const { checkAudience } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

function journeyRef(input: JourneyInput): JourneyRef {
  return { journeyId: workflowInfo().workflowId, userId: input.userId, campaign: { id: input.campaign.id, name: input.campaign.name }, trigger: input.trigger };
}

async function runWebhook(input: JourneyInput, step: WebhookStep): Promise<boolean> {
  const ref = journeyRef(input);
  // uuid4 is deterministic across replays, so every attempt of this step carries the same id.
  const key = { _id: `msg_${uuid4()}`, journeyId: ref.journeyId, campaignId: ref.campaign.id, userId: ref.userId, stepId: step.id };
  try {
    await prepareWebhook({ ...ref, key, request: step.request });
  } catch {
    // The reason (a template error, a missing destination) is on the delivery already.
    return false;
  }
  return deliver(key._id);
}

export async function journey(input: JourneyInput): Promise<JourneyResult> {
  // signalWithStart retries and outbox sweeps may deliver an event twice; an id is handled once.
  const seenEvents = new Set<string>([input.trigger.id]);
  setHandler(eventSignal, (event) => {
    seenEvents.add(event.id);
  });

  if (input.campaign.audience) {
    const inAudience = await checkAudience({ ...journeyRef(input), audience: input.campaign.audience });
    if (!inAudience) return { outcome: 'notInAudience' };
  }

  for (const step of input.campaign.steps) {
    if (step.type === 'delay') {
      await sleep(parseDuration(step.duration)!);
    } else if (!(await runWebhook(input, step))) {
      return { outcome: 'webhookFailed', failedStep: step.id };
    }
  }
  return { outcome: 'completed' };
}

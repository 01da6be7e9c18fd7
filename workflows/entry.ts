// A first run's entry: the audience, the re-entry rule and, where nothing can come between
// them, the first webhook's send check and (generation 2 on) its first attempt, in as few
// activities as the journey's vintage allows.
import { ActivityCancellationType, CancellationScope, proxyActivities, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EntryInput } from '../activities/entry';
import type { EntryAndSend } from '../activities/entry-and-send';
import type { JourneyIdentity } from '../activities/journey';
import type { Campaign } from '../src/domain/campaign';
import { nextStepId } from '../src/domain/step-graph';
import { SHORT_STEP, WEBHOOK_ATTEMPT } from './activity-options';
import { sendCheckInput } from './guards/hold';
import type { JourneyInput, JourneyResult } from './journey-api';
import type { JourneySteps } from './journey-activities';
import { journeyRef, type FirstSend } from './journey-context';
import { attemptsFirstWebhookAtEntry, mergesChecks } from './legacy-paths';
import { deliveryOf, type WebhookStep } from './steps/webhook';

// On the task queue, as the webhook's attempt it makes: it may wait as long for its receiver.
// A cancellation waits for its answer, which says whether the journey was admitted.
const { enterAndSend } = proxyActivities<Activities>({
  ...WEBHOOK_ATTEMPT,
  retry: SHORT_STEP.retry,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Refused (how the journey ends), or admitted, with the first webhook's send check when it was made. */
export type Entered = { refused: JourneyResult } | { refused?: undefined; firstSend?: FirstSend };

/**
 * The first step, when its send check can be made with the admission: a webhook that no exit
 * event or goal can pre-empt, so the check is used by that step in the same workflow activation.
 */
function firstSendAtEntry(campaign: Campaign): WebhookStep | undefined {
  const [first] = campaign.steps;
  return first?.type === 'webhook' && campaign.exitOn.length === 0 && !campaign.goal ? first : undefined;
}

function refusal(admission: { admitted: boolean; reason?: string }): Entered {
  return admission.admitted ? {} : { refused: { outcome: 'notAdmitted', reason: admission.reason } };
}

/**
 * The entry's activity. An admitted journey must reach the try in journey(), which records its
 * end, so the entry cannot be cancelled; only the first attempt it makes can be (a cancelled
 * journey aborts its request in flight), and then the entry is asked again without it.
 */
async function checkedEntry(input: JourneyInput, db: JourneySteps, request: EntryInput): Promise<EntryAndSend> {
  const { firstSend } = request;
  const entryAlone = () => CancellationScope.nonCancellable(() => db.enterAndCheck(request));
  if (!firstSend || !attemptsFirstWebhookAtEntry(input.generation)) return entryAlone();
  try {
    return await enterAndSend({
      ...request,
      firstSend,
      endsOnSuccess: nextStepId(input.campaign.steps, 0) === undefined,
    });
  } catch {
    // Cancelled while it ran, or while it waited to be retried.
    return entryAlone();
  }
}

/** The entry checks of a first run: the audience, then the re-entry rule. Says why it may not enter. */
export async function enter(
  input: JourneyInput,
  identity: JourneyIdentity,
  db: JourneySteps,
  current: boolean,
): Promise<Entered> {
  const { campaign, trigger } = input;
  const admission = () => ({
    ...identity,
    reentry: campaign.reentry,
    at: Date.now(),
    campaignVersion: input.campaignVersion,
    triggerEventId: trigger.id,
  });
  const audience = campaign.audience && { ...journeyRef(input, {}), audience: campaign.audience };
  const step = firstSendAtEntry(campaign);
  // Not cancellable (checkedEntry): an admitted journey must reach the try in journey(), which records its end.
  if ((audience || step) && mergesChecks(current)) {
    const delivery = step && deliveryOf(journeyRef(input, {}), input.campaignVersion, step, `msg_${uuid4()}`);
    const at = Date.now();
    const firstSend = delivery && { ...sendCheckInput(campaign, identity, delivery.key._id, at), delivery };
    const entry = await checkedEntry(input, db, { audience, admission: admission(), firstSend });
    if (!entry.inAudience) return { refused: { outcome: 'notInAudience' } };
    if (!entry.admitted || !step || !delivery || !entry.firstSend) return refusal(entry);
    return { firstSend: { stepId: step.id, delivery, at, check: entry.firstSend, attempt: entry.attempt } };
  }
  if (audience && !(await db.checkAudience(audience))) return { refused: { outcome: 'notInAudience' } };
  return refusal(await CancellationScope.nonCancellable(() => db.admitJourney(admission())));
}

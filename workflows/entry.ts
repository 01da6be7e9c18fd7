// A first run's entry: the audience, the re-entry rule and, where nothing can come between
// them, the first webhook's send check, in as few activities as the journey's vintage allows.
import { CancellationScope, uuid4 } from '@temporalio/workflow';
import type { JourneyIdentity } from '../activities/journey';
import type { Campaign } from '../src/domain/campaign';
import { sendCheckInput } from './guards/hold';
import type { JourneyInput, JourneyResult } from './journey-api';
import type { JourneySteps } from './journey-activities';
import { journeyRef, type FirstSend } from './journey-context';
import { mergesChecks } from './legacy-paths';
import { deliveryOf, type WebhookStep } from './steps/webhook';

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
  // Not cancellable: an admitted journey must reach the try in journey(), which records its end.
  if ((audience || step) && mergesChecks(current)) {
    const delivery = step && deliveryOf(journeyRef(input, {}), input.campaignVersion, step, `msg_${uuid4()}`);
    const at = Date.now();
    const firstSend = delivery && { ...sendCheckInput(campaign, identity, delivery.key._id, at), delivery };
    const entry = await CancellationScope.nonCancellable(() =>
      db.enterAndCheck({ audience, admission: admission(), firstSend }),
    );
    if (!entry.inAudience) return { refused: { outcome: 'notInAudience' } };
    if (!entry.admitted || !step || !delivery || !entry.firstSend) return refusal(entry);
    return { firstSend: { stepId: step.id, delivery, at, check: entry.firstSend } };
  }
  if (audience && !(await db.checkAudience(audience))) return { refused: { outcome: 'notInAudience' } };
  return refusal(await CancellationScope.nonCancellable(() => db.admitJourney(admission())));
}

// The webhook step: the send rules first (pause, quiet hours, send window, caps), then the
// delivery with its retries. An exit event ends the journey even while the webhook is retried.
import { CancellationScope, condition, uuid4 } from '@temporalio/workflow';
import type { FirstAttempt } from '../../activities/entry-and-send';
import type { SendStep } from '../../activities/send-step';
import type { PrepareWebhookInput } from '../../activities/webhook';
import type { Step } from '../../src/domain/campaign';
import type { JourneyRef } from '../../src/domain/scope';
import type { WebhookResponse } from '../../src/domain/journey-state';
import { deliver } from '../deliver';
import { exitResult } from '../guards/exit-and-goal';
import { checkSendRules, holdWhilePaused, passSendRules, showZone, type SendGate } from '../guards/hold';
import { checksSendAtOnce, mergesChecks } from '../legacy-paths';
import type { FirstSend, JourneyContext } from '../journey-context';
import type { StepOutcome } from './outcome';

export type WebhookStep = Extract<Step, { type: 'webhook' }>;

export async function runWebhook(ctx: JourneyContext, step: WebhookStep): Promise<StepOutcome> {
  // The first step's check may have been made with the admission (workflows/entry.ts).
  const first = ctx.takeFirstSend(step.id);
  // uuid4 is deterministic across replays, so every attempt of this step carries the same id.
  const delivery = first?.delivery ?? deliveryOf(ctx.ref(), ctx.input.campaignVersion, step, `msg_${uuid4()}`);
  const attempt = first?.attempt;
  let response: WebhookResponse | undefined;
  if (attempt?.kind === 'sent') {
    // The entry's check let it go out now (it made the attempt only then), and the attempt succeeded.
    if (first?.check.plan) showZone(ctx, first.check.plan);
    response = attempt.response;
  } else {
    const gate = await sendGate(ctx, step, delivery, first);
    if (!('reserved' in gate)) return gate;
    response = await send(ctx, delivery, gate.prepared, attempt);
    // A send that did not succeed gives its slot back.
    if (!response && gate.reserved) await ctx.db.releaseSend({ key: delivery.key._id, userId: ctx.userId });
  }
  if (ctx.exited()) return exitResult(ctx);
  ctx.lastWebhookAt = Date.now();
  if (!response)
    return step.onFailure === 'exit' ? { outcome: 'webhookFailed', step: step.id } : { target: step.onFailure };
  if (step.saveResponse) ctx.state.steps[step.id] = { response };
  return {};
}

/** The delivery a webhook step stores: its request rendered against the journey as `current` holds it. */
export function deliveryOf(
  current: JourneyRef,
  campaignVersion: number | undefined,
  step: WebhookStep,
  deliveryId: string,
): PrepareWebhookInput {
  const { journeyId, userId } = current;
  const key = { _id: deliveryId, journeyId, campaignId: current.campaign.id, userId, stepId: step.id };
  return { ...current, key, request: step.request, campaignVersion };
}

/** The send rules of this journey's vintage (see legacy-paths.ts); newest: one activity that also stores the delivery. */
async function sendGate(
  ctx: JourneyContext,
  step: WebhookStep,
  delivery: PrepareWebhookInput,
  first?: FirstSend,
): Promise<SendGate> {
  if (!ctx.paths.fatigue) return (await holdWhilePaused(ctx)) ?? { reserved: false };
  const deliveryId = delivery.key._id;
  if (!checksSendAtOnce(ctx.paths.current)) return passSendRules(ctx, step.id, deliveryId);
  return checkSendRules(ctx, step.id, deliveryId, mergesChecks(ctx.paths.current) ? delivery : undefined, first);
}

/**
 * Stores the delivery (unless the send check did) and sends it, going on from the entry's
 * `first` attempt when it made one; the response, or undefined when it failed or the journey exited.
 */
async function send(
  ctx: JourneyContext,
  delivery: PrepareWebhookInput,
  prepared: SendStep['prepared'],
  first?: Exclude<FirstAttempt, { kind: 'sent' }>,
): Promise<WebhookResponse | undefined> {
  // A failed preparation's reason (a template error, a missing destination) is on the delivery already.
  if (prepared === 'failed') return undefined;
  if (!prepared) {
    try {
      await ctx.db.prepareWebhook(delivery);
    } catch {
      return undefined;
    }
  }
  const sending = new CancellationScope();
  const watching = new CancellationScope();
  const delivered = sending.run(() => deliver(delivery.key._id, 0, ctx.db, first));
  const exitSeen = watching.run(() => condition(() => ctx.exited())).catch(() => undefined);
  await Promise.race([delivered.catch(() => undefined), exitSeen]);
  // The watch must not outlive the step, or every webhook would leave a condition behind.
  watching.cancel();
  if (!ctx.exited()) return delivered;
  sending.cancel();
  await delivered.catch(() => undefined);
  return undefined;
}

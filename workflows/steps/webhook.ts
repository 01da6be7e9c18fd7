// The webhook step: the send rules first (pause, quiet hours, send window, caps), then the
// delivery with its retries. An exit event ends the journey even while the webhook is retried.
import { CancellationScope, condition, uuid4 } from '@temporalio/workflow';
import type { Step } from '../../src/domain/campaign';
import type { WebhookResponse } from '../../src/domain/journey-state';
import { deliver } from '../deliver';
import { exitResult } from '../guards/exit-and-goal';
import { checkSendRules, holdWhilePaused, passSendRules, type SendGate } from '../guards/hold';
import { checksSendAtOnce } from '../legacy-paths';
import type { JourneyContext } from '../journey-context';
import type { StepOutcome } from './outcome';

type WebhookStep = Extract<Step, { type: 'webhook' }>;

export async function runWebhook(ctx: JourneyContext, step: WebhookStep): Promise<StepOutcome> {
  // uuid4 is deterministic across replays, so every attempt of this step carries the same id.
  const deliveryId = `msg_${uuid4()}`;
  const gate: SendGate = ctx.fatigue
    ? await (checksSendAtOnce() ? checkSendRules : passSendRules)(ctx, step.id, deliveryId)
    : ((await holdWhilePaused(ctx)) ?? { reserved: false });
  if (!('reserved' in gate)) return gate;
  const response = await send(ctx, step, deliveryId);
  // A send that did not succeed gives its slot back.
  if (!response && gate.reserved) await ctx.db.releaseSend({ key: deliveryId, userId: ctx.userId });
  if (ctx.exited()) return exitResult(ctx);
  ctx.lastWebhookAt = Date.now();
  if (!response)
    return step.onFailure === 'exit' ? { outcome: 'webhookFailed', step: step.id } : { target: step.onFailure };
  if (step.saveResponse) ctx.state.steps[step.id] = { response };
  return {};
}

/** Stores the delivery and sends it; the response, or undefined when it failed or the journey exited. */
async function send(ctx: JourneyContext, step: WebhookStep, deliveryId: string): Promise<WebhookResponse | undefined> {
  const current = ctx.ref();
  const key = {
    _id: deliveryId,
    journeyId: current.journeyId,
    campaignId: ctx.campaign.id,
    userId: ctx.userId,
    stepId: step.id,
  };
  try {
    await ctx.db.prepareWebhook({ ...current, key, request: step.request, campaignVersion: ctx.input.campaignVersion });
  } catch {
    // The reason (a template error, a missing destination) is on the delivery already.
    return undefined;
  }
  const sending = new CancellationScope();
  const watching = new CancellationScope();
  const delivered = sending.run(() => deliver(key._id, 0, ctx.db));
  const exitSeen = watching.run(() => condition(() => ctx.exited())).catch(() => undefined);
  await Promise.race([delivered.catch(() => undefined), exitSeen]);
  // The watch must not outlive the step, or every webhook would leave a condition behind.
  watching.cancel();
  if (!ctx.exited()) return delivered;
  sending.cancel();
  await delivered.catch(() => undefined);
  return undefined;
}

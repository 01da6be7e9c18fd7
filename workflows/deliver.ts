// Sending a stored delivery, shared by journeys and redeliveries. The retry schedule, the
// breaker and the rate limits live in the deliverWebhook activity, which tells Temporal how
// long to wait before calling it again; Temporal's timers make those waits durable.
import {
  ActivityFailure,
  type LocalActivityOptions,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
} from '@temporalio/workflow';
import type { FirstAttempt } from '../activities/entry-and-send';
import type { Activities } from '../activities';
import type { WebhookResponse } from '../src/domain/journey-state';
import { NON_RETRYABLE_WEBHOOK_ERRORS } from '../src/domain/webhook-errors';
import { SHORT_STEP, WEBHOOK_ATTEMPT } from './activity-options';

const STORE_STEP = {
  ...SHORT_STEP,
  retry: { ...SHORT_STEP.retry, nonRetryableErrorTypes: [...NON_RETRYABLE_WEBHOOK_ERRORS] },
} satisfies LocalActivityOptions;
const queued = proxyActivities<Activities>(STORE_STEP);
const local = proxyLocalActivities<Activities>(STORE_STEP);

/** Storing a delivery before its send, and marking it failed after its last attempt. */
export type DeliverySteps = Pick<typeof queued, 'prepareWebhook' | 'markDeliveryFailed'>;

/** As local activities (inside the workflow task) or as activities on the task queue. */
export function deliverySteps(asLocal: boolean): DeliverySteps {
  const { prepareWebhook, markDeliveryFailed } = asLocal ? local : queued;
  return { prepareWebhook, markDeliveryFailed };
}

const { deliverWebhook } = proxyActivities<Activities>({
  ...WEBHOOK_ATTEMPT,
  // A safety net well past the longest schedule (about 28 hours) and the 3-day disable rule.
  scheduleToCloseTimeout: '10d',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    // No attempt limit here: the activity ends the schedule itself (RetriesExhausted).
    nonRetryableErrorTypes: [...NON_RETRYABLE_WEBHOOK_ERRORS],
  },
});

export function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.message;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Delivers until success (the response) or final failure (undefined; recorded on the
 * delivery), going on from the `first` attempt when the journey's entry made it. `retryBase`
 * names the delivery's generation: a journey's first try is 0, each redelivery a later one, so
 * a late failure mark never overwrites a newer redelivery.
 */
export async function deliver(
  deliveryId: string,
  retryBase: number,
  steps: DeliverySteps = queued,
  first?: Exclude<FirstAttempt, { kind: 'sent' }>,
): Promise<WebhookResponse | undefined> {
  const outcome = first?.kind === 'failed' ? first : await attempts(deliveryId, first?.afterMs);
  if ('response' in outcome) return outcome.response;
  const { error } = outcome;
  // Recorded even when the journey's scope was cancelled, so the delivery does not stay "retrying".
  await CancellationScope.nonCancellable(() => steps.markDeliveryFailed({ deliveryId, retryBase, error }));
  return undefined;
}

/** Attempts until one succeeds or the last fails, after `waitMs` when an earlier attempt asked for it. */
async function attempts(
  deliveryId: string,
  waitMs?: number,
): Promise<{ response: WebhookResponse } | { error: string }> {
  try {
    if (waitMs !== undefined) await sleep(waitMs);
    return { response: await deliverWebhook({ deliveryId }) };
  } catch (err) {
    if (isCancellation(err)) return { error: 'cancelled: the journey ended while this webhook was being retried' };
    return { error: failureMessage(err) };
  }
}

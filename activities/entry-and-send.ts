// A journey's entry (activities/entry.ts) that also makes its first webhook's first attempt
// and, when that webhook is the journey's last step and succeeds, records the journey's end:
// a one-webhook journey is then one activity on the task queue, as a bare Temporal workflow
// that posts once is. Every later attempt is the workflow's deliverWebhook, after the delay
// this one asked for, so the retry schedule and its durable waits stay Temporal's.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, msToNumber } from '@temporalio/common';
import type { WebhookResponse } from '../src/domain/journey-state';
import { enterWhileAnnouncing, type Entry, type EntryInput, type EntrySteps } from './entry';
import { whileHeartbeating } from './heartbeat';
import { recordJourneyEnd, type JourneyActivityDeps } from './journey';
import type { SendStepInput } from './send-step';
import { attemptDelivery, type WebhookDeps } from './webhook';

export interface EntryAndSendInput extends EntryInput {
  firstSend: SendStepInput;
  /** The webhook is the journey's last step: its success ends the journey, recorded here. */
  endsOnSuccess: boolean;
}

/** The first attempt's answer: the response (and whether the end was recorded), a later try, or a failure for good. */
export type FirstAttempt =
  | { kind: 'sent'; response: WebhookResponse; ended: boolean }
  | { kind: 'again'; afterMs: number }
  | { kind: 'failed'; error: string };

export type EntryAndSend = Entry & { attempt?: FirstAttempt };

/** The workflow's clock now: when Temporal scheduled this attempt, plus what it has taken so far. */
function workflowClock(): () => number {
  const startedAt = Date.now();
  let scheduledAt = startedAt;
  try {
    scheduledAt = Context.current().info.currentAttemptScheduledTimestampMs;
  } catch {
    // Called outside an activity (a test): the clocks are one.
  }
  return () => scheduledAt + (Date.now() - startedAt);
}

/**
 * One attempt, as the workflow's deliverWebhook would make it; its failures come back as
 * answers instead of Temporal's retries of this activity, which would enter again.
 */
async function firstAttempt(
  deps: WebhookDeps,
  deliveryId: string,
  cancelled: AbortSignal | undefined,
  withSuccess: (() => Promise<void>) | undefined,
): Promise<FirstAttempt | WebhookResponse> {
  try {
    return await attemptDelivery(deps, { deliveryId }, cancelled, withSuccess);
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    if (err.nonRetryable) return { kind: 'failed', error: err.message };
    if (err.nextRetryDelay === undefined || err.nextRetryDelay === null) throw err;
    return { kind: 'again', afterMs: msToNumber(err.nextRetryDelay) };
  }
}

async function enterAndSend(
  deps: JourneyActivityDeps & { webhook: WebhookDeps },
  steps: EntrySteps,
  input: EntryAndSendInput,
): Promise<EntryAndSend> {
  const now = workflowClock();
  return whileHeartbeating(async (cancelled) => {
    // Nothing waits for the announcement but this answer: it may wait for company as long as
    // a webhook's outcome does, and mostly shares their write.
    const { entry, announced } = await enterWhileAnnouncing(deps, steps, input, 'afterSend');
    if (!entry.inAudience || !entry.admitted || entry.firstSend?.prepared !== 'stored') {
      await announced;
      return entry;
    }
    // The webhook goes out while the entry's announcement is written, and a journey it completes
    // ends while its success is announced; all is done before the answer.
    const end = () => recordJourneyEnd(deps, { ...input.admission, outcome: 'completed', at: now() });
    const deliveryId = input.firstSend.delivery.key._id;
    const attempt = await firstAttempt(
      deps.webhook,
      deliveryId,
      cancelled,
      input.endsOnSuccess ? end : undefined,
    ).finally(
      // Stored with its attempt's outcome; one that ended without an attempt is stored as it is.
      () => deps.webhook.deliveries.save(deliveryId),
    );
    await announced;
    if ('kind' in attempt) return { ...entry, attempt };
    return { ...entry, attempt: { kind: 'sent', response: attempt, ended: input.endsOnSuccess } };
  });
}

export function createEntryAndSendActivities(deps: JourneyActivityDeps & { webhook: WebhookDeps }, steps: EntrySteps) {
  return {
    enterAndSend: (input: EntryAndSendInput) => enterAndSend(deps, steps, input),
  };
}

import { ApplicationFailure, Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryKey, DeliveryRecord, DeliveryRepository } from '../src/db/deliveries';
import type { DestinationRecord, DestinationRepository } from '../src/db/destinations';
import type { JourneyRepository } from '../src/db/journeys';
import type { StatsKey } from '../src/db/stats';
import type { StatsRecorder } from '../src/db/stats-recorder';
import type { ProfileRepository } from '../src/db/profiles';
import { composeRequest, deliveryPolicy } from '../src/delivery/compose';
import { nextAttemptDelayMs } from '../src/delivery/schedule';
import type { SendOutcome, WebhookSender } from '../src/delivery/sender';
import { verdictOf } from '../src/delivery/verdict';
import { savedResponse, type WebhookResponse } from '../src/domain/journey-state';
import { COUNTER, stepCounter } from '../src/domain/stats';
import { journeyScope, type JourneyRef } from '../src/domain/scope';
import { SYSTEM_EVENT } from '../src/domain/system-events';
import { readsUserProperties, TemplateError, type RequestTemplate } from '../src/domain/template';
import {
  ADDRESS_REFUSED,
  CONNECTION_FAILED,
  DEFERRED,
  DELIVERY_ABORTED,
  DESTINATION_DISABLED,
  HTTP_REJECTED,
  HTTP_RETRYABLE,
  RETRIES_EXHAUSTED,
  TEMPLATE_FAILED,
} from '../src/domain/webhook-errors';
import type { Logger } from '../src/logger';
import type { SystemEventWriter } from './system-events';
import type { WorkerMetrics } from '../src/metrics/worker-metrics';
import { whileHeartbeating } from './heartbeat';
import { loadScope } from './scope';

export interface PrepareWebhookInput extends JourneyRef {
  key: DeliveryKey;
  request: RequestTemplate;
  /** The campaign version the journey follows; read from its record when absent (journeys started before it was passed). */
  campaignVersion?: number;
}

export interface WebhookDeps {
  profiles: Pick<ProfileRepository, 'get'>;
  deliveries: DeliveryRepository;
  destinations: DestinationRepository;
  systemEvents: SystemEventWriter;
  journeys: JourneyRepository;
  stats: StatsRecorder;
  metrics: WorkerMetrics;
  sender: WebhookSender;
  defaultTimeoutMs: number;
  logger: Logger;
}

function statsKeyOf(delivery: DeliveryRecord): StatsKey {
  return { campaignId: delivery.campaignId, version: delivery.campaignVersion ?? 0 };
}

/** The ids every log line about a delivery carries; never its request, which may hold personal data. */
function logFields(delivery: DeliveryKey & Pick<DeliveryRecord, 'destinationId'>) {
  return {
    webhookId: delivery._id,
    journeyId: delivery.journeyId,
    campaignId: delivery.campaignId,
    stepId: delivery.stepId,
    destinationId: delivery.destinationId,
  };
}

const EXCERPT_CHARS = 1024;
/** A rate-limit wait up to this long happens inside the attempt; a longer one goes back to Temporal's timer. */
const MAX_INLINE_WAIT_MS = 1_000;
const SLOT_LEASE_MARGIN_MS = 30_000;

/** Not sent yet, and not an attempt: Temporal calls again after `ms`. */
function deferred(ms: number, why: string): ApplicationFailure {
  return ApplicationFailure.create({ type: DEFERRED, message: why, nextRetryDelay: Math.max(ms, 100) });
}

function attemptOf(outcome: SendOutcome, at: Date) {
  if (outcome.kind === 'error')
    return { at, latencyMs: outcome.latencyMs, errorClass: outcome.errorClass, error: outcome.message };
  return {
    at,
    latencyMs: outcome.latencyMs,
    status: outcome.status,
    responseExcerpt: outcome.body.slice(0, EXCERPT_CHARS),
  };
}

async function destinationOf(deps: WebhookDeps, id: string | undefined): Promise<DestinationRecord | undefined> {
  if (!id) return undefined;
  const destination = await deps.destinations.get(id);
  if (!destination) throw ApplicationFailure.nonRetryable(`destination "${id}" does not exist`, DESTINATION_DISABLED);
  return destination;
}

/** Waits for the breaker, the shared rate limit and a concurrency slot; returns the slot to release. */
async function admit(deps: WebhookDeps, destination: DestinationRecord, holder: string): Promise<string | undefined> {
  const gate = await deps.destinations.gate(destination._id, new Date());
  if (gate.kind === 'disabled')
    throw ApplicationFailure.nonRetryable(`destination disabled: ${gate.reason}`, DESTINATION_DISABLED);
  if (gate.kind === 'wait') throw deferred(gate.ms, 'held: the destination is failing and its breaker is open');
  const limit = destination.config.rateLimitPerSecond;
  if (limit) {
    let wait = await deps.destinations.takeRateSlot(destination._id, limit, Date.now());
    if (wait > 0 && wait <= MAX_INLINE_WAIT_MS) {
      await sleep(wait + Math.random() * 50);
      wait = await deps.destinations.takeRateSlot(destination._id, limit, Date.now());
    }
    if (wait > 0) throw deferred(wait + Math.random() * MAX_INLINE_WAIT_MS, `held: rate limit of ${limit}/s`);
  }
  const max = destination.config.maxConcurrency;
  if (!max) return undefined;
  const now = new Date();
  const until = new Date(now.getTime() + destination.config.timeoutMs + SLOT_LEASE_MARGIN_MS);
  const slot = await deps.destinations.acquireSlot(destination._id, max, holder, now, until);
  if (!slot) throw deferred(250 + Math.random() * 750, `held: ${max} sends already in flight`);
  return slot;
}

/** hookway.webhook.succeeded / failed, for connected campaigns; once per delivery and outcome: true the first time. */
async function emit(
  deps: WebhookDeps,
  delivery: DeliveryRecord,
  name: string,
  properties: Record<string, string>,
): Promise<boolean> {
  return deps.systemEvents.write(
    {
      _id: `sys:${delivery._id}:${delivery.retryBase}:${name}`,
      userId: delivery.userId,
      name,
      properties: {
        campaignId: delivery.campaignId,
        journeyId: delivery.journeyId,
        stepId: delivery.stepId,
        webhookId: delivery._id,
        ...properties,
      },
      timestamp: new Date(),
      depth: (delivery.chainDepth ?? 0) + 1,
    },
    'afterSend',
  );
}

type Attempt = ReturnType<typeof attemptOf>;

/**
 * Logs a final attempt but leaves the status alone: the workflow's markDeliveryFailed is the
 * one writer of "failed", so a redelivery (which needs "failed") can never race it.
 */
async function failFor(
  deps: WebhookDeps,
  delivery: DeliveryRecord,
  attempt: Attempt,
  reason: string,
  type: string,
): Promise<never> {
  await deps.deliveries.recordAttempt(delivery, attempt, 'retrying', reason);
  throw ApplicationFailure.nonRetryable(reason, type);
}

/** Sends a stored request once, inside the destination's limits. */
async function sendOnce(
  deps: WebhookDeps,
  request: NonNullable<DeliveryRecord['request']>,
  destination: DestinationRecord | undefined,
  context: ReturnType<typeof deliveryPolicy>['context'],
  cancelled: AbortSignal | undefined,
): Promise<{ outcome: SendOutcome; at: Date }> {
  const holder = randomUUID();
  const slot = destination ? await admit(deps, destination, holder) : undefined;
  const at = new Date();
  try {
    return { outcome: await deps.sender.send(request, { ...context, cancelled }), at };
  } finally {
    if (slot && destination) await deps.destinations.releaseSlot(slot, holder);
  }
}

/** Every call sends once, so every call is one attempt, logged and counted whatever follows. */
function countAttempt(deps: WebhookDeps, delivery: DeliveryRecord, attempt: Attempt, verdict: Verdict): void {
  deps.logger.info(
    {
      ...logFields(delivery),
      verdict: verdict.kind,
      status: attempt.status,
      errorClass: attempt.errorClass,
      latencyMs: attempt.latencyMs,
    },
    'webhook attempt',
  );
  const statsKey = statsKeyOf(delivery);
  deps.stats.count(statsKey, COUNTER.attempted);
  deps.stats.latency(statsKey, attempt.latencyMs);
  deps.metrics.attempt(verdict.kind, attempt.latencyMs);
}

type Verdict = ReturnType<typeof verdictOf>;

interface SentAttempt {
  delivery: DeliveryRecord;
  destination: DestinationRecord | undefined;
  outcome: SendOutcome;
  attempt: Attempt;
  at: Date;
  retryDelays: ReturnType<typeof deliveryPolicy>['retryDelays'];
  /** What the caller records with a success, beside its announcement (a journey's end). */
  withSuccess?: () => Promise<void>;
}

async function recordSuccess(deps: WebhookDeps, sent: SentAttempt): Promise<WebhookResponse> {
  const { delivery, destination, outcome } = sent;
  if (outcome.kind !== 'response') throw new Error('a success is always a response');
  await deps.deliveries.recordAttempt(delivery, sent.attempt, 'succeeded');
  await Promise.all([
    destination && deps.destinations.recordSuccess(destination._id),
    announceSuccess(deps, delivery, outcome.status),
    sent.withSuccess?.(),
  ]);
  return savedResponse(outcome.status, outcome.headers, outcome.body);
}

/** hookway.webhook.succeeded, counted once however often a retried attempt announces it. */
async function announceSuccess(deps: WebhookDeps, delivery: DeliveryRecord, status: number): Promise<void> {
  if (!(await emit(deps, delivery, SYSTEM_EVENT.webhookSucceeded, { status: String(status) }))) return;
  const statsKey = statsKeyOf(delivery);
  deps.stats.count(statsKey, COUNTER.succeeded);
  deps.stats.count(statsKey, stepCounter(delivery.stepId, 'sent'));
  deps.metrics.delivered('succeeded');
}

/** Records a retryable failure and asks Temporal to call again after the schedule's delay, or gives up. */
async function scheduleRetry(
  deps: WebhookDeps,
  sent: SentAttempt,
  reason: string,
  retryAfterMs?: number,
): Promise<never> {
  const { delivery, destination } = sent;
  const made = await deps.deliveries.recordAttempt(delivery, sent.attempt, 'retrying', reason);
  if (destination) await deps.destinations.recordFailure(destination._id, new Date());
  const delay = nextAttemptDelayMs(sent.retryDelays, made, retryAfterMs, Math.random);
  if (delay === undefined) {
    throw ApplicationFailure.nonRetryable(`all ${made} attempts failed; the last: ${reason}`, RETRIES_EXHAUSTED);
  }
  deps.stats.count(statsKeyOf(delivery), COUNTER.retried);
  const type = sent.outcome.kind === 'error' ? CONNECTION_FAILED : HTTP_RETRYABLE;
  throw ApplicationFailure.create({ type, message: reason, nextRetryDelay: delay });
}

async function settle(deps: WebhookDeps, sent: SentAttempt, verdict: Verdict): Promise<WebhookResponse> {
  const { delivery, destination, attempt } = sent;
  switch (verdict.kind) {
    case 'success':
      return recordSuccess(deps, sent);
    case 'reject':
      return failFor(deps, delivery, attempt, verdict.reason, HTTP_REJECTED);
    case 'refused':
      return failFor(deps, delivery, attempt, verdict.reason, ADDRESS_REFUSED);
    case 'abort':
      return failFor(deps, delivery, attempt, verdict.reason, DELIVERY_ABORTED);
    case 'gone':
      if (destination)
        await deps.destinations.disable(destination._id, `the receiver answered 410 Gone at ${sent.at.toISOString()}`);
      return failFor(deps, delivery, attempt, verdict.reason, DESTINATION_DISABLED);
    case 'retry':
      return scheduleRetry(deps, sent, verdict.reason, verdict.retryAfterMs);
  }
}

/** Whether this call is a journey's first attempt at its delivery, which comes right after its prepareWebhook. */
function firstAttemptOfJourney(): boolean {
  try {
    const { attempt, workflowType } = Context.current().info;
    return attempt === 1 && workflowType === 'journey';
  } catch {
    return false;
  }
}

/**
 * One attempt at a stored delivery; Temporal calls it again after the delay it asks for.
 * `withSuccess` is recorded once the delivery's success is, while that is announced.
 */
export async function attemptDelivery(
  deps: WebhookDeps,
  input: { deliveryId: string },
  cancelled?: AbortSignal,
  withSuccess?: () => Promise<void>,
): Promise<WebhookResponse> {
  const { deliveries } = deps;
  const id = input.deliveryId;
  const delivery = await (firstAttemptOfJourney() ? deliveries.forFirstAttempt(id) : deliveries.get(id));
  if (!delivery?.request)
    throw ApplicationFailure.nonRetryable(`delivery ${id} has no stored request`, TEMPLATE_FAILED);
  const last = delivery.attempts.at(-1);
  if (delivery.status === 'succeeded' && last?.status) {
    // An attempt that recorded its success but failed before announcing it is retried here.
    await Promise.all([announceSuccess(deps, delivery, last.status), withSuccess?.()]);
    return savedResponse(last.status, {}, last.responseExcerpt ?? '');
  }

  const destination = await destinationOf(deps, delivery.destinationId);
  const { context, retryDelays } = deliveryPolicy(destination, deps.defaultTimeoutMs, delivery._id, new Date());
  const { outcome, at } = await sendOnce(deps, delivery.request, destination, context, cancelled);
  const attempt = attemptOf(outcome, at);
  const verdict = verdictOf(outcome, Date.now());
  countAttempt(deps, delivery, attempt, verdict);
  return settle(deps, { delivery, destination, outcome, attempt, at, retryDelays, withSuccess }, verdict);
}

/** A template or destination failure fails the step for good; anything else is retried by Temporal. */
function preparationFailure(err: unknown): { reason: string; type: string; errorClass: string } | undefined {
  if (err instanceof TemplateError)
    return { reason: `template: ${err.message}`, type: TEMPLATE_FAILED, errorClass: 'template' };
  if (err instanceof ApplicationFailure && err.nonRetryable)
    return { reason: err.message, type: err.type ?? DESTINATION_DISABLED, errorClass: 'destination' };
  return undefined;
}

/**
 * Renders the step's request once and stores it, so every attempt and redelivery sends the same
 * bytes. `firstAttemptFollows`: the caller attempts it next (entry-and-send.ts); on its first
 * try the delivery is then stored with that attempt (DeliveryRepository.prepare).
 */
export async function prepareWebhook(
  deps: WebhookDeps,
  input: PrepareWebhookInput,
  firstAttemptFollows = false,
): Promise<void> {
  const { key } = input;
  const version = input.campaignVersion ?? (await deps.journeys.versionOf(key.journeyId));
  const statsKey = { campaignId: key.campaignId, version };
  try {
    const destination = await destinationOf(deps, input.request.destination);
    // The profile is read only when the template may read it: a webhook built from the event alone costs no read.
    const scope = readsUserProperties(input.request)
      ? await loadScope(deps.profiles, input)
      : journeyScope(input, undefined);
    const request = composeRequest(input.request, scope, destination);
    const withAttempt = firstAttemptFollows && firstAttemptOfJourney();
    if (await deps.deliveries.prepare(key, version, destination?._id, input.trigger.depth ?? 0, request, withAttempt)) {
      deps.stats.count(statsKey, stepCounter(key.stepId, 'reached'));
    }
  } catch (err) {
    const failure = preparationFailure(err);
    if (!failure) throw err;
    if (await deps.deliveries.recordPrepareFailure(key, version, failure.errorClass, failure.reason)) {
      deps.stats.count(statsKey, stepCounter(key.stepId, 'reached'));
      deps.stats.count(statsKey, COUNTER.failed);
      deps.metrics.delivered('failed');
    }
    deps.logger.warn({ ...logFields(key), error: failure.reason }, 'webhook could not be prepared');
    throw ApplicationFailure.nonRetryable(failure.reason, failure.type);
  }
}

/** Called by a workflow once a delivery has failed for good. */
async function markDeliveryFailed(
  deps: WebhookDeps,
  input: { deliveryId: string; retryBase: number; error: string },
): Promise<void> {
  const delivery = await deps.deliveries.markFailed(input.deliveryId, input.retryBase, input.error);
  if (!delivery || !(await emit(deps, delivery, SYSTEM_EVENT.webhookFailed, { error: input.error }))) return;
  deps.stats.count(statsKeyOf(delivery), COUNTER.failed);
  deps.metrics.delivered('failed');
  deps.logger.warn({ ...logFields(delivery), error: input.error }, 'webhook failed for good');
}

export function createWebhookActivities(deps: WebhookDeps) {
  return {
    prepareWebhook: (input: PrepareWebhookInput): Promise<void> => prepareWebhook(deps, input),
    /** One attempt; it heartbeats, so an attempt lost with its worker is retried within seconds. */
    deliverWebhook: (input: { deliveryId: string }): Promise<WebhookResponse> =>
      whileHeartbeating((cancelled) => attemptDelivery(deps, input, cancelled)),
    markDeliveryFailed: (input: { deliveryId: string; retryBase: number; error: string }): Promise<void> =>
      markDeliveryFailed(deps, input),
  };
}

import { randomUUID } from 'node:crypto';
import type { DestinationRepository } from '../db/destinations';
import type { ProfileRepository } from '../db/profiles';
import { composeRequest, deliveryPolicy } from '../delivery/compose';
import type { WebhookSender } from '../delivery/sender';
import type { Campaign, WebhookStep } from '../domain/campaign';
import type { Properties } from '../domain/event';
import { redactRequest } from '../domain/redaction';
import { journeyScope } from '../domain/scope';
import { TemplateError } from '../domain/template';

export interface TestSendDeps {
  profiles: ProfileRepository;
  destinations: DestinationRepository;
  sender: WebhookSender;
  defaultTimeoutMs: number;
}

const EXCERPT_CHARS = 4096;

/** What a journey's templates would see for this user and trigger event, outside any journey. */
async function testScope(deps: TestSendDeps, campaign: Campaign, userId: string, eventProperties: Properties) {
  const profile = await deps.profiles.get(userId);
  const trigger = {
    id: `test_${randomUUID()}`,
    name: campaign.trigger.event,
    userId,
    timestamp: new Date().toISOString(),
    properties: eventProperties,
  };
  return journeyScope(
    {
      journeyId: `test-send/${campaign.id}/${userId}`,
      userId,
      campaign: { id: campaign.id, name: campaign.name },
      trigger,
    },
    profile?.properties as Properties | undefined,
  );
}

type Scope = Awaited<ReturnType<typeof testScope>>;

/** The request one webhook step would send, or why it cannot be rendered. */
async function render(deps: TestSendDeps, step: WebhookStep, scope: Scope) {
  const destination = step.request.destination ? await deps.destinations.get(step.request.destination) : undefined;
  if (step.request.destination && !destination)
    return { error: `destination "${step.request.destination}" does not exist` };
  try {
    return {
      request: composeRequest(step.request, scope, destination ?? undefined),
      destination: destination ?? undefined,
    };
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { error: `template: ${err.message}` };
  }
}

/** Renders one webhook step for a user and event without sending it; headers redacted as in a test send. */
export async function previewStep(
  deps: TestSendDeps,
  campaign: Campaign,
  step: WebhookStep,
  userId: string,
  eventProperties: Properties,
) {
  const rendered = await render(deps, step, await testScope(deps, campaign, userId, eventProperties));
  if (!rendered.request) return { stepId: step.id, error: rendered.error };
  return { stepId: step.id, request: redactRequest(rendered.request, rendered.destination?.config.headers) };
}

/**
 * Renders and sends each webhook step of a campaign once, now, outside any journey, and
 * reports what was sent and what came back, template errors included. Nothing is recorded.
 */
export async function testSend(deps: TestSendDeps, campaign: Campaign, userId: string, eventProperties: Properties) {
  const scope = await testScope(deps, campaign, userId, eventProperties);
  const results = [];
  for (const step of campaign.steps) {
    if (step.type !== 'webhook') continue;
    const rendered = await render(deps, step, scope);
    if (!rendered.request) {
      results.push({ stepId: step.id, error: rendered.error });
      continue;
    }
    const { request, destination } = rendered;
    const webhookId = `msg_test_${randomUUID()}`;
    const { context } = deliveryPolicy(destination, deps.defaultTimeoutMs, webhookId, new Date());
    const outcome = await deps.sender.send(request, context);
    const sent = { webhookId, ...redactRequest(request, destination?.config.headers) };
    results.push(
      outcome.kind === 'response'
        ? {
            stepId: step.id,
            request: sent,
            response: { status: outcome.status, headers: outcome.headers, body: outcome.body.slice(0, EXCERPT_CHARS) },
            latencyMs: outcome.latencyMs,
          }
        : {
            stepId: step.id,
            request: sent,
            error: `${outcome.errorClass}: ${outcome.message}`,
            latencyMs: outcome.latencyMs,
          },
    );
  }
  return results;
}

import { activeSecrets, type DestinationRecord } from '../db/destinations';
import { DEFAULT_RETRY_DELAYS } from '../domain/destination';
import { renderRequest, type RenderedRequest, type RequestTemplate } from '../domain/template';
import type { SendContext } from './sender';

/**
 * A webhook step's request, rendered under the destination's URL. The destination's headers,
 * like its auth, are added when sending (SendContext), so they are never stored with a delivery.
 */
export function composeRequest(
  template: RequestTemplate,
  scope: object,
  destination: DestinationRecord | undefined,
): RenderedRequest {
  return renderRequest(template, scope, destination?.config.url);
}

function authorization(destination: DestinationRecord | undefined): string | undefined {
  const auth = destination?.config.auth;
  if (!auth) return undefined;
  if (auth.type === 'bearer') return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** How to send to a destination, or with the default policy for a step that gives a full URL. */
export function deliveryPolicy(
  destination: DestinationRecord | undefined,
  defaultTimeoutMs: number,
  webhookId: string,
  now: Date,
) {
  const context: SendContext = {
    webhookId,
    secrets: destination ? activeSecrets(destination, now) : [],
    authorization: authorization(destination),
    headers: destination?.config.headers ?? {},
    timeoutMs: destination?.config.timeoutMs ?? defaultTimeoutMs,
  };
  return { context, retryDelays: destination?.config.retryDelays ?? DEFAULT_RETRY_DELAYS };
}

import { activeSecrets, type DestinationRecord } from '../db/destinations';
import { DEFAULT_RETRY_DELAYS } from '../domain/destination';
import { renderRequest, type RenderedRequest, type RequestTemplate } from '../domain/template';
import type { SendContext } from './sender';

/** A webhook step's request, rendered; the destination contributes its URL and default headers. */
export function composeRequest(template: RequestTemplate, scope: object, destination: DestinationRecord | undefined): RenderedRequest {
  const rendered = renderRequest(template, scope, destination?.config.url);
  return { ...rendered, headers: { ...destination?.config.headers, ...rendered.headers } };
}

function authorization(destination: DestinationRecord | undefined): string | undefined {
  const auth = destination?.config.auth;
  if (!auth) return undefined;
  if (auth.type === 'bearer') return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** How to send to a destination, or with the default policy for a step that gives a full URL. */
export function deliveryPolicy(destination: DestinationRecord | undefined, defaultTimeoutMs: number, webhookId: string, now: Date) {
  const context: SendContext = {
    webhookId,
    secrets: destination ? activeSecrets(destination, now) : [],
    authorization: authorization(destination),
    timeoutMs: destination?.config.timeoutMs ?? defaultTimeoutMs,
  };
  return { context, retryDelays: destination?.config.retryDelays ?? DEFAULT_RETRY_DELAYS };
}

const SENSITIVE_HEADER = /authorization|cookie|token|secret|key|signature|password/i;

/** Headers as the API shows them: values of credential-like headers are hidden. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SENSITIVE_HEADER.test(k) ? '[redacted]' : v]));
}

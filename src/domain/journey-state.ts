// What a journey remembers of its steps, readable by later templates and conditions as
// steps.<id>.response and steps.<id>.event. Pure: shared by the workflow and activities.
import type { JourneyEvent, Properties } from './event';

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body, or the text when it is not JSON; at most 64 KiB. */
  body: unknown;
}

export interface StepContext {
  response?: WebhookResponse;
  event?: { id: string; name: string; timestamp: string; properties: Properties };
}

export type StepContexts = Record<string, StepContext>;

export function eventView(event: JourneyEvent): NonNullable<StepContext['event']> {
  return { id: event.id, name: event.name, timestamp: event.timestamp, properties: event.properties };
}

/** Longest response body a journey keeps for later steps. */
export const MAX_SAVED_RESPONSE_CHARS = 64 * 1024;

export function savedResponse(status: number, headers: Record<string, string>, text: string): WebhookResponse {
  const kept = text.slice(0, MAX_SAVED_RESPONSE_CHARS);
  let body: unknown = kept;
  if (kept.length === text.length && /json/i.test(headers['content-type'] ?? '')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = kept;
    }
  }
  return { status, headers, body };
}

import { retryAfterMs } from '../domain/retry-after';
import type { SendOutcome } from './sender';

/** What an attempt's outcome means for the delivery. */
export type Verdict =
  | { kind: 'success' }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'reject'; reason: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'gone'; reason: string }
  | { kind: 'abort'; reason: string };

export function verdictOf(outcome: SendOutcome, now: number): Verdict {
  if (outcome.kind === 'error') {
    if (outcome.errorClass === 'address_refused') return { kind: 'refused', reason: outcome.message };
    return { kind: 'retry', reason: outcome.message };
  }
  const { status, headers } = outcome;
  if (headers['webhook-delivery']?.toLowerCase() === 'abort')
    return { kind: 'abort', reason: `HTTP ${status} with webhook-delivery: abort` };
  if (status >= 200 && status < 300) return { kind: 'success' };
  if (status === 410) return { kind: 'gone', reason: 'HTTP 410 Gone' };
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', reason: `HTTP ${status}`, retryAfterMs: retryAfterMs(headers['retry-after'], now) };
  }
  // 3xx lands here too: redirects are never followed.
  return { kind: 'reject', reason: `HTTP ${status}` };
}

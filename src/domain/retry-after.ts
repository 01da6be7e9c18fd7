/** The longest a receiver's Retry-After can postpone the next attempt. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Milliseconds to wait from a Retry-After header (delay in seconds or an HTTP date), clamped
 * to [0, MAX_RETRY_AFTER_MS]; undefined when the header is absent or unreadable.
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    // An HTTP date names its month; without this, Date.parse would also take "1.5" or "-5".
    if (!/[A-Za-z]{3}/.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

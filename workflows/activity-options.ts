// Timeouts and retries shared by the workflows' activity calls.

/** The short MongoDB reads and writes around a journey's steps and its deliveries. */
export const SHORT_STEP = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
} as const;

/**
 * One webhook attempt. It may wait up to 90 s for a slow receiver, plus a rate-limit pause, and
 * heartbeats: one lost with its worker is retried after 20 s, not after 3 minutes.
 */
export const WEBHOOK_ATTEMPT = { startToCloseTimeout: '3m', heartbeatTimeout: '20s' } as const;

// Timeouts and retries shared by the workflows' activity calls.

/** The short MongoDB reads and writes around a journey's steps and its deliveries. */
export const SHORT_STEP = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
} as const;

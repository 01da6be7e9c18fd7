import { Context } from '@temporalio/activity';

// Well inside the heartbeat timeout that workflows/deliver.ts gives the attempt (20 s).
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Runs `work` while heartbeating, so that an attempt whose worker was killed is retried
 * after the heartbeat timeout instead of its whole start-to-close timeout, and a cancellation
 * (which reaches an activity with a heartbeat's answer) aborts `work` through the signal.
 * Called outside an activity (directly, as a test does), it just runs `work`.
 */
export async function whileHeartbeating<T>(work: (cancelled?: AbortSignal) => Promise<T>): Promise<T> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work(context.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}

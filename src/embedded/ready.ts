// How a Hookway process started by the supervisor says it is ready: a message over the IPC
// channel, so that readiness does not depend on the log level.
export const READY_MESSAGE = 'hookway-ready';

/** Tells the parent process, when it opened an IPC channel, that this process is ready. */
export function announceReady(): void {
  process.send?.({ type: READY_MESSAGE });
}

export function isReadyMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === READY_MESSAGE;
}

// Hookway feeds what journeys do back into the event stream, so one campaign can trigger,
// wait for or end another ("connected campaigns"). Pure.

export const SYSTEM_EVENT = {
  journeyEntered: 'hookway.journey.entered',
  journeyExited: 'hookway.journey.exited',
  webhookSucceeded: 'hookway.webhook.succeeded',
  webhookFailed: 'hookway.webhook.failed',
  goalReached: 'hookway.goal.reached',
} as const;

/** A chain of campaigns triggering campaigns stops after this many links. */
export const MAX_CHAIN_DEPTH = 3;

export function isSystemEvent(name: string): boolean {
  return name.startsWith('hookway.');
}

/**
 * Whether a campaign may react to this event: a system event never reaches the campaign
 * that emitted it, and a chain deeper than MAX_CHAIN_DEPTH reaches nobody.
 */
export function mayReach(
  event: { name: string; properties: Record<string, unknown>; depth?: number },
  campaignId: string,
): boolean {
  if (!isSystemEvent(event.name)) return true;
  return (event.depth ?? 0) <= MAX_CHAIN_DEPTH && event.properties.campaignId !== campaignId;
}

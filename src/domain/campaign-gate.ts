// What a campaign lets happen in each status of its lifecycle, in one place: the gateway's
// routing, entity-event fan-outs, the fan-out activity, scheduled fan-outs and running journeys
// all ask this table. Pure: shared by the workflow and the services.

/** draft → active ⇄ paused → archived. */
export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface CampaignGate {
  /** An event may start new journeys (itself, or through an entity event's fan-out). */
  start: boolean;
  /** An event may reach the user's running journeys. */
  signal: boolean;
  /** A fan-out under way enters its next batch, waits for a resume, or stops. */
  fanOut: 'enter' | 'wait' | 'stop';
  /** The campaign's schedule of fan-outs: none yet, running, paused, or deleted. */
  schedule: 'none' | 'run' | 'pause' | 'delete';
  /**
   * A running journey, before its next webhook, sends it, holds until a resume, or ends (an
   * archive may have missed it).
   */
  journey: 'send' | 'hold' | 'end';
}

const GATES: Record<CampaignStatus, CampaignGate> = {
  draft: { start: false, signal: false, fanOut: 'stop', schedule: 'none', journey: 'send' },
  active: { start: true, signal: true, fanOut: 'enter', schedule: 'run', journey: 'send' },
  // Paused: no new entries; running journeys still hear their events and hold before each webhook.
  paused: { start: false, signal: true, fanOut: 'wait', schedule: 'pause', journey: 'hold' },
  archived: { start: false, signal: false, fanOut: 'stop', schedule: 'delete', journey: 'end' },
};

/** A campaign that cannot be found starts and reaches nothing; a journey of it goes on as it was. */
const MISSING: CampaignGate = { start: false, signal: false, fanOut: 'stop', schedule: 'none', journey: 'send' };

export function campaignGate(status: CampaignStatus | undefined): CampaignGate {
  return status === undefined ? MISSING : GATES[status];
}

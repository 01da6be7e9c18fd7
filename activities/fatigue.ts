// Fatigue control before each webhook: when it may go out (quiet hours, send window, the
// user's zone) and whether the frequency caps leave a slot. Times (`at`) come from the
// workflow's clock. The results say what happened (held until, capped by which cap), so
// a counter can be hooked onto them.
import type { CampaignRepository } from '../src/db/campaigns';
import type { ProfileRepository } from '../src/db/profiles';
import type { SendLog } from '../src/db/send-log';
import type { SettingsRepository } from '../src/db/settings';
import { applicableCaps, type AppliedCap, type CapVerdict } from '../src/domain/caps';
import type { Campaign } from '../src/domain/campaign';
import { campaignGate, type CampaignStatus } from '../src/domain/campaign-gate';
import { chooseZone } from '../src/domain/local-time';
import { nextSendTime } from '../src/domain/send-window';
import type { Settings } from '../src/domain/settings';
import type { Logger } from '../src/logger';

export type FatigueRules = Pick<Campaign, 'id' | 'timeZone' | 'caps' | 'tags' | 'quietHours' | 'sendWindow'>;

export interface SendPlan {
  /** The user's zone, looked up only when quiet hours or a send window apply. */
  zone?: string;
  /** Set when the profile's zone is not a valid one and a default was used. */
  zoneProblem?: string;
  /** When the webhook may go out: `at` itself, or later when `heldBy` a rule; unset when the rules never allow it. */
  sendAt?: number;
  heldBy?: string;
  /** The caps the reservation must keep, global ones as they are now. */
  caps: AppliedCap[];
}

export interface SendCheckInput {
  journeyId: string;
  userId: string;
  rules: FatigueRules;
  at: number;
  /** The delivery's key, under which a slot is reserved. */
  key: string;
  /** A campaign exempt from caps reserves no slot. */
  capExempt: boolean;
}

/**
 * Everything a webhook's send rules ask, as one activity: the campaign's status; then, when it
 * lets the journey send, the plan; then, when the plan allows a send at `at`, the cap reservation.
 */
export interface SendCheck {
  status?: CampaignStatus;
  plan?: SendPlan;
  verdict?: CapVerdict;
}

export interface FatigueDeps {
  settings: SettingsRepository;
  sendLog: SendLog;
  profiles: Pick<ProfileRepository, 'get'>;
  campaigns: CampaignRepository;
  logger: Logger;
}

/** The profile's zone, else the campaign's default, else the global one; a bad profile value is logged. */
async function userZone(
  deps: FatigueDeps,
  input: { journeyId: string; userId: string; timeZone: Campaign['timeZone'] },
  settings: Settings,
) {
  const { journeyId, userId, timeZone } = input;
  const profile = await deps.profiles.get(userId);
  const choice = chooseZone(profile?.properties?.[timeZone.property], [timeZone.default, settings.timeZone]);
  if (choice.problem)
    deps.logger.warn(
      { journeyId, userId, property: timeZone.property },
      `invalid time zone in profile: ${choice.problem}`,
    );
  return choice;
}

async function planSend(
  deps: FatigueDeps,
  input: { journeyId: string; userId: string; rules: FatigueRules; at: number },
): Promise<SendPlan> {
  const { rules, journeyId } = input;
  const settings = await deps.settings.get();
  const quietHours = [settings.quietHours, rules.quietHours].filter((q) => q !== undefined);
  // Without local-time rules the zone decides nothing, and its profile read is saved.
  const local = quietHours.length > 0 || rules.sendWindow !== undefined;
  const { zone, problem } = local ? await userZone(deps, { ...input, timeZone: rules.timeZone }, settings) : {};
  const next = nextSendTime(input.at, { quietHours, sendWindow: rules.sendWindow }, zone ?? 'UTC');
  if (!next)
    deps.logger.warn(
      { journeyId, campaignId: rules.id },
      'quiet hours and the send window never allow a send; the webhook is skipped',
    );
  return {
    zone,
    zoneProblem: problem,
    sendAt: next?.at,
    heldBy: next?.heldBy,
    caps: applicableCaps(settings.caps, rules),
  };
}

interface ReserveInput {
  key: string;
  userId: string;
  campaignId: string;
  tags: string[];
  caps: AppliedCap[];
  at: number;
}

/** Checks and reserves a slot in one atomic step; a retry with the same key finds its slot. */
async function reserveSend(deps: FatigueDeps, input: ReserveInput): Promise<CapVerdict> {
  const { at, ...request } = input;
  return deps.sendLog.reserve({ ...request, now: new Date(at) });
}

export async function checkSend(deps: FatigueDeps, input: SendCheckInput): Promise<SendCheck> {
  const { rules, at, key, userId } = input;
  const status = await deps.campaigns.status(rules.id);
  if (campaignGate(status).journey !== 'send') return { status };
  const plan = await planSend(deps, input);
  if (plan.sendAt === undefined || plan.sendAt > at || input.capExempt) return { status, plan };
  const caps = plan.caps;
  const verdict = await reserveSend(deps, { key, userId, campaignId: rules.id, tags: rules.tags ?? [], caps, at });
  return { status, plan, verdict };
}

/** Whether the check lets the webhook go out at its `at`: the campaign sends, no rule holds it, a slot is reserved or none is needed. */
export function goesOutNow(check: SendCheck, input: Pick<SendCheckInput, 'at' | 'capExempt'>): boolean {
  const sendAt = check.plan?.sendAt;
  return sendAt !== undefined && sendAt <= input.at && (input.capExempt || check.verdict?.granted === true);
}

export function createFatigueActivities(deps: FatigueDeps) {
  return {
    /** The user's zone, for a delay until a local time of day. */
    async userTimeZone(input: {
      journeyId: string;
      userId: string;
      timeZone: Campaign['timeZone'];
    }): Promise<{ zone: string; problem?: string }> {
      return userZone(deps, input, await deps.settings.get());
    },
    planSend: (input: Parameters<typeof planSend>[1]) => planSend(deps, input),
    reserveSend: (input: ReserveInput) => reserveSend(deps, input),
    checkSend: (input: SendCheckInput) => checkSend(deps, input),
    /** A webhook that finally failed gives its slot back. */
    async releaseSend(input: { key: string; userId: string }): Promise<void> {
      await deps.sendLog.release(input.userId, input.key);
    },
  };
}

// Before each webhook a journey may be held: while its campaign is paused, in quiet hours or
// outside the send window, or while a frequency cap is full. These rules decide whether the
// webhook goes out now, later, never, or whether the journey ends instead.
import { condition } from '@temporalio/workflow';
import { campaignGate, type CampaignStatus } from '../../src/domain/campaign-gate';
import type { SendCheckInput, SendPlan } from '../../activities/fatigue';
import type { SendStep } from '../../activities/send-step';
import type { PrepareWebhookInput } from '../../activities/webhook';
import type { Campaign } from '../../src/domain/campaign';
import type { CapVerdict } from '../../src/domain/caps';
import type { JourneyResult } from '../journey-api';
import type { FirstSend, JourneyContext } from '../journey-context';
import { exitResult, waitOrExit } from './exit-and-goal';

/** A held journey looks at its campaign's status at least this often, in case a resume signal was missed. */
const PAUSE_RECHECK = '5m';

/**
 * What the rules let a webhook do: go out (with a cap slot reserved or not, and its delivery
 * `prepared` already when the check stored it), or take a path instead.
 */
export type SendGate = { reserved: boolean; prepared?: SendStep['prepared'] } | { target?: string } | JourneyResult;

/**
 * While the campaign is paused, hold here; once it is archived, end, since an archive may have
 * missed this journey. Returns how the journey ends, if it does.
 */
export async function holdWhilePaused(ctx: JourneyContext): Promise<JourneyResult | undefined> {
  for (;;) {
    // Cleared before the read, so a resume that arrives during it is not lost.
    ctx.resumed = false;
    const held = await holdFor(ctx, await ctx.db.campaignStatus({ campaignId: ctx.campaign.id }));
    if (held !== 'hold') return held;
  }
}

/**
 * What the campaign's status lets the journey do: send (undefined), end (how), or hold, which
 * has waited for a resume or the recheck interval by the time it returns 'hold'. Clear
 * ctx.resumed before reading the status.
 */
async function holdFor(
  ctx: JourneyContext,
  status: CampaignStatus | undefined,
): Promise<JourneyResult | 'hold' | undefined> {
  const gate = campaignGate(status).journey;
  if (gate === 'end') return { outcome: 'exited', reason: 'campaign archived' };
  if (gate === 'send') return undefined;
  ctx.state.waitingFor = 'campaign paused';
  ctx.enterPhase('held');
  await condition(() => ctx.resumed || ctx.exited(), PAUSE_RECHECK);
  ctx.state.waitingFor = undefined;
  ctx.enterPhase('running');
  return ctx.exited() ? exitResult(ctx) : 'hold';
}

function rulesOf(campaign: Campaign) {
  const { id, timeZone, caps, tags, quietHours, sendWindow } = campaign;
  return { id, timeZone, caps, tags, quietHours, sendWindow };
}

/** What a look at the send rules asks of checkSend for the delivery `key`, at `at`. */
export function sendCheckInput(
  campaign: Campaign,
  journey: { journeyId: string; userId: string },
  key: string,
  at: number,
): SendCheckInput {
  const { journeyId, userId } = journey;
  return { journeyId, userId, rules: rulesOf(campaign), at, key, capExempt: campaign.capExempt ?? false };
}

/** The time zone the send rules were read in, and why it is not the user's, in the journey's state. */
export function showZone(ctx: JourneyContext, plan: SendPlan): void {
  Object.assign(ctx.state, { timeZone: plan.zone, timeZoneProblem: plan.zoneProblem });
}

/**
 * Once the campaign lets the journey send: waits out quiet hours or the send window (then asks
 * again), or takes the reservation's verdict. `now` is the time the plan was made for.
 */
async function decide(
  ctx: JourneyContext,
  stepId: string,
  deliveryId: string,
  check: { plan: SendPlan; now: number; reserve: () => Promise<CapVerdict> },
): Promise<SendGate | 'again'> {
  const { campaign, identity, db } = ctx;
  const { plan } = check;
  showZone(ctx, plan);
  // Quiet hours and the send window never overlap: this webhook can never go out.
  if (plan.sendAt === undefined) return {};
  if (plan.sendAt > check.now) {
    if (plan.heldBy === 'quiet hours')
      await db.countJourneyFact({ ...identity, counter: 'held:quietHours', factId: deliveryId });
    const wait = plan.sendAt - Date.now();
    if (wait > 0 && (await waitOrExit(ctx, wait, plan.heldBy!, undefined, 'held'))) return exitResult(ctx);
    // Looked at again: the campaign may have been paused, or the rules edited, meanwhile.
    return 'again';
  }
  if (campaign.capExempt) return { reserved: false };
  const verdict = await check.reserve();
  if (verdict.granted) return { reserved: true };
  await db.countJourneyFact({ ...identity, counter: 'capped', factId: deliveryId });
  const onCapped = campaign.onCapped ?? 'skip';
  if (onCapped === 'skip') return {};
  if (onCapped === 'exit') return { outcome: 'exited', step: stepId, reason: 'capped' };
  // Looked at again once enough counted sends have left the window for a slot to free.
  const capWait = `frequency cap (${verdict.cap})`;
  if (await waitOrExit(ctx, verdict.freesAt - Date.now(), capWait, undefined, 'held')) return exitResult(ctx);
  return 'again';
}

/**
 * Before a webhook: the pause hold, then quiet hours and the send window, then the caps, each
 * its own activity (journeys started before the send check; see legacy-paths.ts).
 * Says whether a slot was reserved, or which path the journey takes instead of sending.
 */
export async function passSendRules(ctx: JourneyContext, stepId: string, deliveryId: string): Promise<SendGate> {
  const { campaign, identity, userId, db } = ctx;
  const rules = rulesOf(campaign);
  for (;;) {
    const paused = await holdWhilePaused(ctx);
    if (paused) return paused;
    const plan = await db.planSend({ journeyId: identity.journeyId, userId, rules, at: Date.now() });
    const reserve = () =>
      db.reserveSend({
        key: deliveryId,
        userId,
        campaignId: rules.id,
        tags: rules.tags ?? [],
        caps: plan.caps,
        at: Date.now(),
      });
    const decision = await decide(ctx, stepId, deliveryId, { plan, now: Date.now(), reserve });
    if (decision !== 'again') return decision;
  }
}

/**
 * The same rules with one activity per look (checkSend: status, plan and reservation together),
 * which saves a journey two activities per webhook. Given the `delivery`, the look that lets
 * the webhook go out also stores it (checkSendAndPrepare), which saves one more.
 */
export async function checkSendRules(
  ctx: JourneyContext,
  stepId: string,
  deliveryId: string,
  delivery?: PrepareWebhookInput,
  /** The first look, made already with the admission. */
  first?: FirstSend,
): Promise<SendGate> {
  const { campaign, identity, db } = ctx;
  for (;;) {
    // Cleared before the read, so a resume that arrives during it is not lost.
    ctx.resumed = false;
    const at = first?.at ?? Date.now();
    const input = sendCheckInput(campaign, identity, deliveryId, at);
    const check: SendStep =
      first?.check ?? (delivery ? await db.checkSendAndPrepare({ ...input, delivery }) : await db.checkSend(input));
    first = undefined;
    const held = await holdFor(ctx, check.status);
    if (held === 'hold') continue;
    if (held) return held;
    const decision = await decide(ctx, stepId, deliveryId, {
      plan: check.plan!,
      now: at,
      reserve: async () => check.verdict!,
    });
    if (decision !== 'again') return 'reserved' in decision ? { ...decision, prepared: check.prepared } : decision;
  }
}

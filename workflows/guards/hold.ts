// Before each webhook a journey may be held: while its campaign is paused, in quiet hours or
// outside the send window, or while a frequency cap is full. These rules decide whether the
// webhook goes out now, later, never, or whether the journey ends instead.
import { condition } from '@temporalio/workflow';
import { campaignGate } from '../../src/domain/campaign-gate';
import type { JourneyResult } from '../journey-api';
import type { JourneyContext } from '../journey-context';
import { exitResult, waitOrExit } from './exit-and-goal';

/** A held journey looks at its campaign's status at least this often, in case a resume signal was missed. */
const PAUSE_RECHECK = '5m';

/** What the rules let a webhook do: go out (with a cap slot reserved or not), or take a path instead. */
export type SendGate = { reserved: boolean } | { target?: string } | JourneyResult;

/**
 * While the campaign is paused, hold here; once it is archived, end, since an archive may have
 * missed this journey. Returns how the journey ends, if it does.
 */
export async function holdWhilePaused(ctx: JourneyContext): Promise<JourneyResult | undefined> {
  for (;;) {
    // Cleared before the read, so a resume that arrives during it is not lost.
    ctx.resumed = false;
    const gate = campaignGate(await ctx.db.campaignStatus({ campaignId: ctx.campaign.id })).journey;
    if (gate === 'end') return { outcome: 'exited', reason: 'campaign archived' };
    if (gate === 'send') return undefined;
    ctx.state.waitingFor = 'campaign paused';
    ctx.enterPhase('held');
    await condition(() => ctx.resumed || ctx.exited(), PAUSE_RECHECK);
    ctx.state.waitingFor = undefined;
    ctx.enterPhase('running');
    if (ctx.exited()) return exitResult(ctx);
  }
}

/**
 * Before a webhook: the pause hold, then quiet hours and the send window, then the caps.
 * Says whether a slot was reserved, or which path the journey takes instead of sending.
 */
export async function passSendRules(ctx: JourneyContext, stepId: string, deliveryId: string): Promise<SendGate> {
  const { campaign, identity, userId, db } = ctx;
  const { id, timeZone, caps, tags, quietHours, sendWindow } = campaign;
  const rules = { id, timeZone, caps, tags, quietHours, sendWindow };
  for (;;) {
    const paused = await holdWhilePaused(ctx);
    if (paused) return paused;
    const plan = await db.planSend({ journeyId: identity.journeyId, userId, rules, at: Date.now() });
    Object.assign(ctx.state, { timeZone: plan.zone, timeZoneProblem: plan.zoneProblem });
    // Quiet hours and the send window never overlap: this webhook can never go out.
    if (plan.sendAt === undefined) return {};
    if (plan.sendAt > Date.now()) {
      if (plan.heldBy === 'quiet hours')
        await db.countJourneyFact({ ...identity, counter: 'held:quietHours', factId: deliveryId });
      if (await waitOrExit(ctx, plan.sendAt - Date.now(), plan.heldBy!, undefined, 'held')) return exitResult(ctx);
      // Looked at again: the campaign may have been paused, or the rules edited, meanwhile.
      continue;
    }
    if (campaign.capExempt) return { reserved: false };
    const at = Date.now();
    const verdict = await db.reserveSend({
      key: deliveryId,
      userId,
      campaignId: id,
      tags: tags ?? [],
      caps: plan.caps,
      at,
    });
    if (verdict.granted) return { reserved: true };
    await db.countJourneyFact({ ...identity, counter: 'capped', factId: deliveryId });
    const onCapped = campaign.onCapped ?? 'skip';
    if (onCapped === 'skip') return {};
    if (onCapped === 'exit') return { outcome: 'exited', step: stepId, reason: 'capped' };
    // Looked at again once enough counted sends have left the window for a slot to free.
    const capWait = `frequency cap (${verdict.cap})`;
    if (await waitOrExit(ctx, verdict.freesAt - Date.now(), capWait, undefined, 'held')) return exitResult(ctx);
  }
}

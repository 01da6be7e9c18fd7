// Which frequency caps apply to a campaign's webhook, and whether one more send keeps all of
// them. Pure: the send log (src/db/send-log.ts) reads the user's recent sends and asks here.
import type { Cap } from './fatigue';
import { parseDuration } from './duration';

/** A cap as it applies to one campaign: `campaignId` set when it counts only that campaign's sends. */
export interface AppliedCap extends Cap {
  campaignId?: string;
  /** How the cap reads to an operator, e.g. "global: 1 per 24h (channel:sms)". */
  label: string;
}

/** A send counted by caps. */
export interface CountedSend {
  campaignId: string;
  tags: string[];
  at: number;
}

export type CapVerdict = { granted: true } | { granted: false; cap: string; freesAt: number };

function label(origin: string, cap: Cap): string {
  return `${origin}: ${cap.max} per ${cap.window}${cap.tag ? ` (${cap.tag})` : ''}`;
}

/**
 * Every cap that holds for this campaign's webhooks: each global cap (a tag-scoped one only
 * when the campaign carries the tag) and each of the campaign's own. A campaign's untagged cap
 * counts its own sends; a tagged cap counts every send carrying the tag, from any campaign.
 */
export function applicableCaps(
  globalCaps: Cap[],
  campaign: { id: string; caps?: Cap[]; tags?: string[] },
): AppliedCap[] {
  const tags = campaign.tags ?? [];
  const applies = (cap: Cap) => cap.tag === undefined || tags.includes(cap.tag);
  return [
    ...globalCaps.filter(applies).map((cap) => ({ ...cap, label: label('global', cap) })),
    ...(campaign.caps ?? []).filter(applies).map((cap) => ({
      ...cap,
      ...(cap.tag === undefined && { campaignId: campaign.id }),
      label: label(`campaign ${campaign.id}`, cap),
    })),
  ];
}

export function capWindowMs(cap: Cap): number {
  return parseDuration(cap.window)!;
}

/**
 * Whether one more send at `now` keeps every cap, counting the user's sends in each rolling
 * window (a send leaves it exactly `window` after it went out). When one is full, `freesAt`
 * is when enough of its sends have left for a slot to free: the latest over the full caps.
 */
export function capVerdict(caps: AppliedCap[], sends: CountedSend[], now: number): CapVerdict {
  let blocking: { cap: string; freesAt: number } | undefined;
  for (const cap of caps) {
    const windowMs = capWindowMs(cap);
    const counted = sends
      .filter(
        (s) =>
          s.at > now - windowMs &&
          (cap.campaignId === undefined || s.campaignId === cap.campaignId) &&
          (cap.tag === undefined || s.tags.includes(cap.tag)),
      )
      .map((s) => s.at)
      .sort((a, b) => a - b);
    if (counted.length < cap.max) continue;
    const freesAt = counted[counted.length - cap.max] + windowMs;
    if (!blocking || freesAt > blocking.freesAt) blocking = { cap: cap.label, freesAt };
  }
  return blocking ? { granted: false, ...blocking } : { granted: true };
}

// `hookway stats <campaignId>`: what the API can tell today — status, versions with their
// running journeys, and deliveries by status. Real analytics (conversions, rates over
// time) are a later piece.
import type { Command } from 'commander';
import { jsonOption, withContext } from '../action';
import type { GatewayClient } from '../gateway';
import { withQuery } from '../gateway';
import { formatTime, printFields, printJson, printLine, printTable } from '../output';
import type { CampaignDetail } from './campaign-types';
import type { DeliveryView } from './delivery-types';

const PAGE = 500;
/** Counting walks the delivery log page by page; past this many it reports a lower bound. */
const MAX_COUNTED = 20_000;

interface DeliveryCounts {
  byStatus: Record<string, number>;
  counted: number;
  complete: boolean;
}

/** Pages backwards by creation time; ties at a page boundary are fetched again and de-duplicated by id. */
async function countDeliveries(gateway: GatewayClient, campaignId: string): Promise<DeliveryCounts> {
  const byStatus: Record<string, number> = { pending: 0, retrying: 0, succeeded: 0, failed: 0 };
  const seen = new Set<string>();
  let until: string | undefined;
  for (;;) {
    const { deliveries } = await gateway.get<{ deliveries: DeliveryView[] }>(withQuery('/v1/deliveries', { campaignId, until, limit: PAGE }));
    const fresh = deliveries.filter((d) => !seen.has(d.id));
    for (const d of fresh) {
      seen.add(d.id);
      byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
    }
    if (deliveries.length < PAGE) return { byStatus, counted: seen.size, complete: true };
    if (fresh.length === 0 || seen.size >= MAX_COUNTED) return { byStatus, counted: seen.size, complete: false };
    // `until` is exclusive: step one millisecond past the oldest so its equals come back.
    until = new Date(new Date(deliveries.at(-1)!.createdAt).getTime() + 1).toISOString();
  }
}

export function registerStats(program: Command): void {
  jsonOption(
    program
      .command('stats')
      .description("a campaign's status, running journeys per version, and deliveries by status")
      .argument('<campaignId>', 'campaign id'),
  ).action(
    withContext(async (ctx, _opts, campaignId) => {
      const gateway = ctx.gateway();
      const campaign = await gateway.get<CampaignDetail>(`/v1/campaigns/${encodeURIComponent(campaignId)}`);
      const deliveries = await countDeliveries(gateway, campaignId);
      const runningJourneys = campaign.versions.reduce((sum, v) => sum + v.runningJourneys, 0);
      if (ctx.json) {
        return printJson({
          campaign: { id: campaign.id, name: campaign.name, status: campaign.status, version: campaign.version },
          runningJourneys,
          versions: campaign.versions,
          deliveries: { ...deliveries.byStatus, total: deliveries.counted, complete: deliveries.complete },
        });
      }
      printFields([
        ['campaign', `${campaign.id} (${campaign.name})`],
        ['status', `${campaign.status}, version ${campaign.version}`],
        ['running journeys', runningJourneys],
        ['deliveries', `${Object.entries(deliveries.byStatus).map(([status, n]) => `${status} ${n}`).join(', ')}${deliveries.complete ? '' : ` (the latest ${deliveries.counted} only)`}`],
      ]);
      printLine();
      printTable(
        ['VERSION', 'CREATED', 'RUNNING JOURNEYS'],
        campaign.versions.map((v) => [`${v.version}${v.current ? ' (current)' : ''}`, formatTime(v.createdAt), v.runningJourneys]),
      );
    }),
  );
}

// `hookway stats <campaignId>`: the campaign's analytics from GET /v1/campaigns/:id/stats
// (entered, webhooks, conversions, latency, per version, the funnel) and its running journeys.
import { InvalidArgumentError, type Command } from 'commander';
import { jsonOption, positiveInt, withContext } from '../action';
import { withQuery } from '../gateway';
import { printFields, printJson, printLine, printTable } from '../output';
import type { StatsSummary as Summary } from '../../domain/stats';
import type { FunnelStage } from '../../gateway/stats-report';
import type { CampaignDetail } from './campaign-types';

interface StatsOptions {
  from?: string;
  to?: string;
  bucket?: string;
  version?: number;
}

interface StatsAnswer {
  from: string;
  to: string;
  totals: Summary;
  versions: Array<{ version: number } & Summary>;
  funnel: FunnelStage[];
}

function bucketSize(text: string): string {
  if (text !== 'hour' && text !== 'day') throw new InvalidArgumentError('must be hour or day');
  return text;
}

const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
const ms = (value: number | null) => (value === null ? '-' : `${value} ms`);

export function registerStats(program: Command): void {
  jsonOption(
    program
      .command('stats')
      .description("a campaign's analytics: entered, webhooks, conversions, latency, per version, and its funnel")
      .argument('<campaignId>', 'campaign id')
      .option('--from <time>', 'start of the range (ISO 8601); default: a day (or, by day, 30 days) before --to')
      .option('--to <time>', 'end of the range (ISO 8601); default: now')
      .option('--bucket <size>', 'hour or day', bucketSize)
      .option('--version <n>', 'only this campaign version', positiveInt),
  ).action(
    withContext<StatsOptions>(async (ctx, opts, campaignId) => {
      const gateway = ctx.gateway();
      const id = encodeURIComponent(campaignId);
      const campaign = await gateway.get<CampaignDetail>(`/v1/campaigns/${id}`);
      const stats = await gateway.get<StatsAnswer>(
        withQuery(`/v1/campaigns/${id}/stats`, {
          from: opts.from,
          to: opts.to,
          bucket: opts.bucket,
          version: opts.version,
        }),
      );
      const runningJourneys = campaign.versions.reduce((sum, v) => sum + v.runningJourneys, 0);
      if (ctx.json) return printJson({ ...stats, runningJourneys });
      const { totals } = stats;
      printFields([
        ['campaign', `${campaign.id} (${campaign.name})`],
        ['status', `${campaign.status}, version ${campaign.version}`],
        ['range', `${stats.from} to ${stats.to}`],
        ['running journeys', runningJourneys],
        ['entered', totals.entered],
        [
          'exited',
          Object.entries(totals.exited)
            .map(([outcome, n]) => `${outcome} ${n}`)
            .join(', ') || '0',
        ],
        [
          'webhooks',
          `attempted ${totals.webhooks.attempted}, succeeded ${totals.webhooks.succeeded}, failed ${totals.webhooks.failed}, retried ${totals.webhooks.retried}`,
        ],
        ['success rate', percent(totals.successRate)],
        ['held (quiet hours), capped', `${totals.heldQuietHours}, ${totals.capped}`],
        ['conversions', `${totals.conversions} (${percent(totals.conversionRate)})`],
        ['latency p50 / p95', `${ms(totals.latencyMs.p50)} / ${ms(totals.latencyMs.p95)}`],
      ]);
      printLine();
      printTable(
        ['VERSION', 'RUNNING', 'ENTERED', 'SUCCEEDED', 'FAILED', 'CONVERSIONS'],
        stats.versions.map((v) => [
          v.version,
          campaign.versions.find((c) => c.version === v.version)?.runningJourneys ?? 0,
          v.entered,
          v.webhooks.succeeded,
          v.webhooks.failed,
          v.conversions,
        ]),
      );
      printLine();
      printTable(
        ['FUNNEL', 'JOURNEYS'],
        stats.funnel.flatMap((s): Array<[string, number]> =>
          s.stage === 'step'
            ? [
                [`${s.step} reached`, s.reached],
                [`${s.step} sent`, s.sent],
              ]
            : [[s.stage === 'entered' ? 'entered' : 'goal reached', s.count]],
        ),
      );
    }),
  );
}

import { Router } from 'express';
import { z } from 'zod';
import type { CampaignRepository } from '../../db/campaigns';
import type { StatsStore } from '../../db/stats';
import { DAY_MS, floorTo, HOUR_MS } from '../../domain/stats';
import { HttpError, parseInput } from '../http-errors';
import { funnel, series, totals, totalsByVersion, type BucketSize } from '../stats-report';

/** A longer range would mean thousands of points and rows per request. */
const MAX_RANGE_MS = 93 * DAY_MS;
/** The overview's sparkline goes hourly up to this range, daily beyond. */
const HOURLY_UP_TO_MS = 2 * DAY_MS;

const rangeFields = {
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};

const campaignStatsSchema = z.strictObject({
  ...rangeFields,
  bucket: z.enum(['hour', 'day']).default('hour'),
  version: z.coerce.number().int().min(1).optional(),
});

const overviewSchema = z.strictObject(rangeFields);

/** The range asked for, by default the last day (hourly) or the last 30 days (daily). */
function rangeOf(query: { from?: string; to?: string }, defaultMs: number): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - defaultMs);
  const problem = (path: string, message: string) =>
    new HttpError(400, 'invalid_request', `invalid query: ${path}: ${message}`, [{ path, message }]);
  if (from >= to) throw problem('from', 'must be before "to"');
  if (to.getTime() - from.getTime() > MAX_RANGE_MS)
    throw problem('from', `must be at most ${MAX_RANGE_MS / DAY_MS} days before "to"`);
  // Counters are kept by the hour: a range starts at the whole hour holding `from`.
  return { from: new Date(floorTo(from.getTime(), HOUR_MS)), to };
}

export function statsRoutes(deps: { stats: StatsStore; campaigns: CampaignRepository }): Router {
  const router = Router();

  /** One campaign's counters over time, per version, and the funnel of its webhook steps. */
  router.get('/campaigns/:id/stats', async (req, res) => {
    const query = parseInput(campaignStatsSchema, req.query, 'query');
    const bucket: BucketSize = query.bucket;
    const { from, to } = rangeOf(query, bucket === 'hour' ? DAY_MS : 30 * DAY_MS);
    const campaign = await deps.campaigns.get(String(req.params.id));
    if (!campaign) throw new HttpError(404, 'not_found', `campaign "${req.params.id}" does not exist`);
    const definition =
      query.version === undefined
        ? campaign.definition
        : campaign.versions.find((v) => v.version === query.version)?.definition;
    if (!definition)
      throw new HttpError(404, 'not_found', `campaign "${campaign._id}" has no version ${query.version}`);
    const all = await deps.stats.rows(from, to, campaign._id);
    const rows = query.version === undefined ? all : all.filter((r) => r.version === query.version);
    res.json({
      campaign: {
        id: campaign._id,
        name: campaign.definition.name,
        status: campaign.status,
        version: campaign.version,
      },
      from: from.toISOString(),
      to: to.toISOString(),
      bucket,
      ...(query.version !== undefined && { version: query.version }),
      totals: totals(rows),
      versions: totalsByVersion(all),
      series: series(rows, from, to, bucket),
      funnel: funnel(rows, definition),
    });
  });

  /** Every campaign on one page: state, entered, success rate, conversions and a short series. */
  router.get('/stats/overview', async (req, res) => {
    const { from, to } = rangeOf(parseInput(overviewSchema, req.query, 'query'), DAY_MS);
    const bucket: BucketSize = to.getTime() - from.getTime() <= HOURLY_UP_TO_MS ? 'hour' : 'day';
    const [campaigns, rows] = await Promise.all([deps.campaigns.list(), deps.stats.rows(from, to)]);
    res.json({
      from: from.toISOString(),
      to: to.toISOString(),
      bucket,
      campaigns: campaigns.map((campaign) => {
        const own = rows.filter((r) => r.campaignId === campaign._id);
        return {
          id: campaign._id,
          name: campaign.definition.name,
          status: campaign.status,
          version: campaign.version,
          ...totals(own),
          series: series(own, from, to, bucket).map(({ start, sent, failed }) => ({ start, sent, failed })),
        };
      }),
    });
  });

  return router;
}

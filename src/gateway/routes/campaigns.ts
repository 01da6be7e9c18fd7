import { Router } from 'express';
import { CampaignExistsError, type CampaignRecord, type CampaignRepository } from '../../db/campaigns';
import { campaignIdSchema, campaignSchema } from '../../domain/campaign';
import type { ActiveCampaigns } from '../active-campaigns';
import { HttpError, parseInput } from '../http-errors';

function view(record: CampaignRecord) {
  return {
    id: record._id,
    name: record.definition.name,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    activatedAt: record.activatedAt,
    definition: record.definition,
  };
}

export function campaignRoutes(deps: { campaigns: CampaignRepository; active: ActiveCampaigns }): Router {
  const router = Router();
  const notFound = (id: string) => new HttpError(404, 'not_found', `campaign "${id}" does not exist`);
  const idParam = (id: unknown) => parseInput(campaignIdSchema, id, 'campaign id');

  router.post('/campaigns', async (req, res) => {
    const definition = parseInput(campaignSchema, req.body, 'campaign');
    try {
      res.status(201).json(view(await deps.campaigns.create(definition)));
    } catch (err) {
      if (err instanceof CampaignExistsError) throw new HttpError(409, 'conflict', err.message);
      throw err;
    }
  });

  router.get('/campaigns', async (_req, res) => {
    res.json({ campaigns: (await deps.campaigns.list()).map(view) });
  });

  router.get('/campaigns/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const record = await deps.campaigns.get(id);
    if (!record) throw notFound(id);
    res.json(view(record));
  });

  router.post('/campaigns/:id/activate', async (req, res) => {
    const id = idParam(req.params.id);
    const record = await deps.campaigns.activate(id);
    if (!record) throw notFound(id);
    await deps.active.refresh();
    res.json(view(record));
  });

  return router;
}

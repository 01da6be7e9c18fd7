import { Router } from 'express';
import { CampaignExistsError, type CampaignRecord, type CampaignRepository } from '../../db/campaigns';
import { z } from 'zod';
import type { DestinationRepository } from '../../db/destinations';
import { campaignIdSchema, campaignSchema, type Campaign } from '../../domain/campaign';
import { eventInputSchema, propertiesSchema } from '../../domain/event';
import { testSend, type TestSendDeps } from '../test-send';
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

const testSendSchema = z.strictObject({
  userId: eventInputSchema.shape.userId,
  event: z.strictObject({ properties: propertiesSchema.optional() }).optional(),
});

/** Webhook steps that name a destination must name one that exists. */
async function checkDestinations(definition: Campaign, destinations: DestinationRepository): Promise<void> {
  const issues = [];
  for (const [i, step] of definition.steps.entries()) {
    if (step.type !== 'webhook' || !step.request.destination) continue;
    if (!(await destinations.get(step.request.destination))) {
      issues.push({ path: `steps.${i}.request.destination`, message: `destination "${step.request.destination}" does not exist` });
    }
  }
  if (issues.length > 0) throw new HttpError(400, 'invalid_request', `invalid campaign: ${issues[0].path}: ${issues[0].message}`, issues);
}

export function campaignRoutes(deps: { campaigns: CampaignRepository; active: ActiveCampaigns; testSend: TestSendDeps }): Router {
  const router = Router();
  const notFound = (id: string) => new HttpError(404, 'not_found', `campaign "${id}" does not exist`);
  const idParam = (id: unknown) => parseInput(campaignIdSchema, id, 'campaign id');

  router.post('/campaigns', async (req, res) => {
    const definition = parseInput(campaignSchema, req.body, 'campaign');
    await checkDestinations(definition, deps.testSend.destinations);
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

  /** Sends each webhook step once, now, and shows the real answers; for checking a campaign before activating it. */
  router.post('/campaigns/:id/test-send', async (req, res) => {
    const id = idParam(req.params.id);
    const input = parseInput(testSendSchema, req.body ?? {}, 'test send');
    const record = await deps.campaigns.get(id);
    if (!record) throw notFound(id);
    res.json({ results: await testSend(deps.testSend, record.definition, input.userId, input.event?.properties ?? {}) });
  });

  return router;
}

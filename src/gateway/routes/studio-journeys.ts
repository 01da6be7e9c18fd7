// The API the studio's journey inspector needs: one journey's state, history and deliveries,
// cancelling it, and cancelling all of a campaign's running journeys as one batch with its
// progress. Admin keys only, like every route beside it.
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { CampaignRepository } from '../../db/campaigns';
import type { DeliveryRepository } from '../../db/deliveries';
import { redactRequest } from '../../domain/redaction';
import { campaignIdSchema } from '../../domain/campaign';
import { BatchBusyError, describeBatch } from '../../temporal/batch';
import { startCancellingJourneys } from '../../temporal/campaign-journeys';
import { cancelJourney, inspectJourney } from '../../temporal/journey-inspection';
import { HttpError, parseInput } from '../http-errors';

export interface StudioJourneyDeps {
  campaigns: CampaignRepository;
  deliveries: DeliveryRepository;
  temporal: Client;
  /** Where the Temporal Web UI answers, for links to a journey's workflow; unset: no link. */
  temporalUiUrl?: string;
}

const JOURNEY_DELIVERIES = 100;

const journeyIdSchema = z
  .string()
  .regex(/^journey\/[^/]{1,64}\/.{1,256}$/, 'must be a journey id such as journey/<campaign>/<user>');

export function studioJourneyRoutes(deps: StudioJourneyDeps): Router {
  const router = Router();

  const journeyId = (query: unknown) => parseInput(z.strictObject({ id: journeyIdSchema }), query, 'query').id;

  /** One journey: its live state when it runs, its deliveries with every attempt, and its Temporal UI link. */
  router.get('/studio/journey', async (req, res) => {
    const id = journeyId(req.query);
    const inspection = await inspectJourney(deps.temporal, id);
    if (!inspection) throw new HttpError(404, 'not_found', `journey "${id}" has no workflow`);
    const [, campaignId, ...user] = id.split('/');
    const deliveries = await deps.deliveries.list({ campaignId, userId: user.join('/'), limit: JOURNEY_DELIVERIES });
    res.json({
      id,
      ...inspection,
      deliveries: deliveries
        .filter((d) => d.journeyId === id)
        .map((d) => ({
          id: d._id,
          stepId: d.stepId,
          status: d.status,
          error: d.error,
          createdAt: d.createdAt,
          attempts: d.attempts,
          request: d.request && redactRequest(d.request),
        })),
      temporalUrl:
        deps.temporalUiUrl &&
        `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.temporal.options.namespace)}/workflows/${encodeURIComponent(id)}`,
    });
  });

  router.post('/studio/journey/cancel', async (req, res) => {
    const id = journeyId(req.query);
    if (!(await cancelJourney(deps.temporal, id)))
      throw new HttpError(409, 'conflict', `journey "${id}" is not running`);
    res.status(202).json({ id, cancelling: true });
  });

  /** Cancels every running journey of the campaign as one batch; its progress is at GET /studio/batch?jobId=. */
  router.post('/studio/campaigns/:id/cancel-journeys', async (req, res) => {
    const id = parseInput(campaignIdSchema, req.params.id, 'campaign id');
    if (!(await deps.campaigns.get(id))) throw new HttpError(404, 'not_found', `campaign "${id}" does not exist`);
    try {
      res.status(202).json({ jobId: await startCancellingJourneys(deps.temporal, id, `cancelled from the studio`) });
    } catch (err) {
      if (err instanceof BatchBusyError) throw new HttpError(409, 'conflict', `${err.message}; try again when it ends`);
      throw err;
    }
  });

  router.get('/studio/batch', async (req, res) => {
    const jobIdSchema = z.string().regex(/^hookway-cancel-[0-9a-f-]{36}$/, 'must be a job id from cancel-journeys');
    const { jobId } = parseInput(z.strictObject({ jobId: jobIdSchema }), req.query, 'query');
    const progress = await describeBatch(deps.temporal, jobId);
    if (!progress) throw new HttpError(404, 'not_found', `batch "${jobId}" does not exist`);
    res.json(progress);
  });

  return router;
}

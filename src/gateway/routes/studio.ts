// The API the campaign studio (dashboard/studio.html) needs beyond the public one: trying a
// draft's webhook step, the variables its templates can use, previewing an unsaved segment,
// and looking into one journey. Admin keys only, like every route it sits beside.
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { DeliveryRepository } from '../../db/deliveries';
import type { EventRepository } from '../../db/events';
import type { ProfileRepository } from '../../db/profiles';
import { redactHeaders } from '../../delivery/compose';
import type { CampaignRepository } from '../../db/campaigns';
import { campaignIdSchema, campaignSchema, type WebhookStep } from '../../domain/campaign';
import { conditionSchema } from '../../domain/condition-schema';
import { eventNameSchema, propertiesSchema, userIdSchema } from '../../domain/event';
import { BatchBusyError, batchProgress, startCancelBatch } from '../../temporal/journey-batches';
import { cancelJourney, inspectJourney } from '../../temporal/journey-inspection';
import { HttpError, parseInput } from '../http-errors';
import { checkSegmentReferences, type SegmentReferenceDeps } from '../segment-references';
import { previewStep, testSend, type TestSendDeps } from '../test-send';

export interface StudioRouteDeps {
  campaigns: CampaignRepository;
  testSend: TestSendDeps;
  profiles: ProfileRepository;
  events: EventRepository;
  deliveries: DeliveryRepository;
  segments: SegmentReferenceDeps;
  temporal: Client;
  /** Where the Temporal Web UI answers, for links to a journey's workflow; unset: no link. */
  temporalUiUrl?: string;
}

/** How many recent profiles and events are read to list the property names templates can use. */
const SAMPLED = 200;
const SEGMENT_SAMPLE = 10;
const JOURNEY_DELIVERIES = 100;

const stepTrySchema = z.strictObject({
  campaign: z.unknown(),
  stepId: z.string().min(1).max(64),
  userId: userIdSchema,
  event: z.strictObject({ properties: propertiesSchema.optional() }).optional(),
  /** false: render only (the preview); true: send it once, now, through the test send. */
  send: z.boolean().default(false),
});

const journeyIdSchema = z.string().regex(/^journey\/[^/]{1,64}\/.{1,256}$/, 'must be a journey id such as journey/<campaign>/<user>');

export function studioRoutes(deps: StudioRouteDeps): Router {
  const router = Router();

  /** Renders (and with send: true sends) one webhook step of a draft, saved or not. */
  router.post('/studio/test-send', async (req, res) => {
    const input = parseInput(stepTrySchema, req.body, 'test send');
    const campaign = parseInput(campaignSchema, input.campaign, 'campaign');
    const step = campaign.steps.find((s): s is WebhookStep => s.id === input.stepId && s.type === 'webhook');
    if (!step) throw new HttpError(400, 'invalid_request', `invalid test send: stepId: "${input.stepId}" is not a webhook step`, [{ path: 'stepId', message: 'is not a webhook step' }]);
    const properties = input.event?.properties ?? {};
    const [result] = input.send
      ? await testSend(deps.testSend, { ...campaign, steps: [step] }, input.userId, properties)
      : [await previewStep(deps.testSend, campaign, step, input.userId, properties)];
    res.json(result);
  });

  /** One saved version's definition, for showing what changed between two. */
  router.get('/studio/campaigns/:id/versions/:version', async (req, res) => {
    const id = parseInput(campaignIdSchema, req.params.id, 'campaign id');
    const version = parseInput(z.coerce.number().int().min(1), req.params.version, 'version');
    const found = (await deps.campaigns.get(id))?.versions.find((v) => v.version === version);
    if (!found) throw new HttpError(404, 'not_found', `campaign "${id}" has no version ${version}`);
    res.json({ id, version, createdAt: found.createdAt, definition: found.definition });
  });

  /** Cancels every running journey of the campaign as one batch; its progress is at GET /studio/batch?jobId=. */
  router.post('/studio/campaigns/:id/cancel-journeys', async (req, res) => {
    const id = parseInput(campaignIdSchema, req.params.id, 'campaign id');
    if (!(await deps.campaigns.get(id))) throw new HttpError(404, 'not_found', `campaign "${id}" does not exist`);
    try {
      res.status(202).json({ jobId: await startCancelBatch(deps.temporal, id, `cancelled from the studio`) });
    } catch (err) {
      if (err instanceof BatchBusyError) throw new HttpError(409, 'conflict', `${err.message}; try again when it ends`);
      throw err;
    }
  });

  router.get('/studio/batch', async (req, res) => {
    const jobIdSchema = z.string().regex(/^cancel-journeys\/[^/]{1,64}\/[0-9a-f-]{36}$/, 'must be a job id from cancel-journeys');
    const { jobId } = parseInput(z.strictObject({ jobId: jobIdSchema }), req.query, 'query');
    const progress = await batchProgress(deps.temporal, jobId);
    if (!progress) throw new HttpError(404, 'not_found', `batch "${jobId}" does not exist`);
    res.json(progress);
  });

  /** The names a template can use: profile properties, the trigger event's properties. */
  router.get('/studio/variables', async (req, res) => {
    const { event } = parseInput(z.strictObject({ event: eventNameSchema.optional() }), req.query, 'query');
    const [user, eventProperties] = await Promise.all([
      deps.profiles.propertyNames(SAMPLED),
      event ? deps.events.propertyNames(event, SAMPLED) : Promise.resolve([]),
    ]);
    res.json({ user: user.map((k) => `user.properties.${k}`), event: eventProperties.map((k) => `event.properties.${k}`) });
  });

  /** How many users an unsaved condition matches now, and the first few. */
  router.post('/studio/segment-preview', async (req, res) => {
    const { condition } = parseInput(z.strictObject({ condition: conditionSchema }), req.body, 'segment preview');
    await checkSegmentReferences(deps.segments, 'segment preview', [[['condition'], condition]]);
    const context = { now: Date.now() };
    const { audience } = deps.segments;
    const [count, sample] = await Promise.all([audience.count(condition, context), audience.sample(condition, context, SEGMENT_SAMPLE)]);
    res.json({ count, sample });
  });

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
      deliveries: deliveries.filter((d) => d.journeyId === id).map((d) => ({
        id: d._id, stepId: d.stepId, status: d.status, error: d.error, createdAt: d.createdAt, attempts: d.attempts,
        request: d.request && { ...d.request, headers: redactHeaders(d.request.headers) },
      })),
      temporalUrl: deps.temporalUiUrl && `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.temporal.options.namespace)}/workflows/${encodeURIComponent(id)}`,
    });
  });

  router.post('/studio/journey/cancel', async (req, res) => {
    const id = journeyId(req.query);
    if (!(await cancelJourney(deps.temporal, id))) throw new HttpError(409, 'conflict', `journey "${id}" is not running`);
    res.status(202).json({ id, cancelling: true });
  });

  return router;
}

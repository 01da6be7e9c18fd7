// The API the campaign studio (dashboard/studio.html) needs to edit drafts beyond the public
// one: trying a draft's webhook step, the variables its templates can use, previewing an
// unsaved segment, a saved version's definition. Admin keys only, like every route beside it.
import { Router } from 'express';
import { z } from 'zod';
import type { EventRepository } from '../../db/events';
import type { ProfileRepository } from '../../db/profiles';
import type { CampaignRepository } from '../../db/campaigns';
import { campaignIdSchema, campaignSchema, type WebhookStep } from '../../domain/campaign';
import { conditionSchema } from '../../domain/condition-schema';
import { eventNameSchema, propertiesSchema, userIdSchema } from '../../domain/event';
import { HttpError, parseInput } from '../http-errors';
import { checkSegmentReferences, type SegmentReferenceDeps } from '../segment-references';
import { previewStep, testSend, type TestSendDeps } from '../test-send';

export interface StudioDraftDeps {
  campaigns: CampaignRepository;
  testSend: TestSendDeps;
  profiles: ProfileRepository;
  events: EventRepository;
  segments: SegmentReferenceDeps;
}

const SEGMENT_SAMPLE = 10;

const stepTrySchema = z.strictObject({
  campaign: z.unknown(),
  stepId: z.string().min(1).max(64),
  userId: userIdSchema,
  event: z.strictObject({ properties: propertiesSchema.optional() }).optional(),
  /** false: render only (the preview); true: send it once, now, through the test send. */
  send: z.boolean().default(false),
});

export function studioDraftRoutes(deps: StudioDraftDeps): Router {
  const router = Router();

  /** Renders (and with send: true sends) one webhook step of a draft, saved or not. */
  router.post('/studio/test-send', async (req, res) => {
    const input = parseInput(stepTrySchema, req.body, 'test send');
    const campaign = parseInput(campaignSchema, input.campaign, 'campaign');
    const step = campaign.steps.find((s): s is WebhookStep => s.id === input.stepId && s.type === 'webhook');
    if (!step)
      throw new HttpError(
        400,
        'invalid_request',
        `invalid test send: stepId: "${input.stepId}" is not a webhook step`,
        [{ path: 'stepId', message: 'is not a webhook step' }],
      );
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

  /** The names a template can use: profile properties, the trigger event's properties. */
  router.get('/studio/variables', async (req, res) => {
    const { event } = parseInput(z.strictObject({ event: eventNameSchema.optional() }), req.query, 'query');
    const [user, eventProperties] = await Promise.all([
      deps.profiles.propertyNames(),
      event ? deps.events.propertyNames(event) : Promise.resolve([]),
    ]);
    res.json({
      user: user.map((k) => `user.properties.${k}`),
      event: eventProperties.map((k) => `event.properties.${k}`),
    });
  });

  /** How many users an unsaved condition matches now, and the first few. */
  router.post('/studio/segment-preview', async (req, res) => {
    const { condition } = parseInput(z.strictObject({ condition: conditionSchema }), req.body, 'segment preview');
    await checkSegmentReferences(deps.segments, 'segment preview', [[['condition'], condition]]);
    const context = { now: Date.now() };
    res.json(await deps.segments.audience.preview(condition, context, SEGMENT_SAMPLE));
  });

  return router;
}

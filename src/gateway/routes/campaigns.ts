import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { CampaignExistsError, type CampaignRecord, type CampaignRepository } from '../../db/campaigns';
import type { CampaignStatus } from '../../domain/campaign-gate';
import type { DestinationRepository } from '../../db/destinations';
import { campaignIdSchema, campaignSchema, type Campaign } from '../../domain/campaign';
import type { Condition } from '../../domain/condition';
import { propertiesSchema, userIdSchema } from '../../domain/event';
import { cancelRunningJourneys, countRunning, resumeRunningJourneys } from '../../temporal/campaign-journeys';
import { syncCampaignSchedule } from '../../temporal/campaign-schedules';
import type { ActiveCampaigns } from '../active-campaigns';
import { HttpError, parseInput } from '../http-errors';
import { checkSegmentReferences, type SegmentReferenceDeps } from '../segment-references';
import { testSend, type TestSendDeps } from '../test-send';

export interface CampaignRouteDeps {
  campaigns: CampaignRepository;
  active: ActiveCampaigns;
  testSend: TestSendDeps;
  temporal: Client;
  /** Where a scheduled campaign's fan-outs run, and their default pace. */
  schedules: { taskQueue: string; entriesPerSecond: number };
  segments: SegmentReferenceDeps;
}

function view(record: CampaignRecord) {
  return {
    id: record._id,
    name: record.definition.name,
    status: record.status,
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    activatedAt: record.activatedAt,
    definition: record.definition,
  };
}

const testSendSchema = z.strictObject({
  userId: userIdSchema,
  event: z.strictObject({ properties: propertiesSchema.optional() }).optional(),
});

/** Webhook steps that name a destination must name one that exists. */
async function checkDestinations(definition: Campaign, destinations: DestinationRepository): Promise<void> {
  const issues = [];
  for (const [i, step] of definition.steps.entries()) {
    if (step.type !== 'webhook' || !step.request.destination) continue;
    if (!(await destinations.get(step.request.destination))) {
      issues.push({
        path: `steps.${i}.request.destination`,
        message: `destination "${step.request.destination}" does not exist`,
      });
    }
  }
  if (issues.length > 0)
    throw new HttpError(400, 'invalid_request', `invalid campaign: ${issues[0].path}: ${issues[0].message}`, issues);
}

/** The audience and branch conditions, which may reference segments, with their paths. */
function segmentConditions(definition: Campaign): Array<[Array<string | number>, Condition | undefined]> {
  const { schedule } = definition;
  return [
    [['audience'], definition.audience],
    [['schedule'], schedule?.segment === undefined ? undefined : { segment: schedule.segment }],
    [['schedule', 'audience'], schedule?.audience],
    ...definition.steps.flatMap((step, i) =>
      step.type === 'branch'
        ? step.cases.map((c, j): [Array<string | number>, Condition] => [['steps', i, 'cases', j, 'when'], c.when])
        : [],
    ),
  ];
}

/** The lifecycle moves: each names the states it may start from. */
const MOVES: Record<string, { from: CampaignStatus[]; to: CampaignStatus }> = {
  activate: { from: ['draft', 'paused'], to: 'active' },
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused'], to: 'active' },
  archive: { from: ['draft', 'active', 'paused'], to: 'archived' },
};

const idParam = (id: unknown) => parseInput(campaignIdSchema, id, 'campaign id');

async function load(deps: CampaignRouteDeps, id: string): Promise<CampaignRecord> {
  const record = await deps.campaigns.get(id);
  if (!record) throw new HttpError(404, 'not_found', `campaign "${id}" does not exist`);
  return record;
}

/** A definition is stored only when the destinations and segments it names exist. */
async function checkReferences(deps: CampaignRouteDeps, definition: Campaign): Promise<void> {
  await checkDestinations(definition, deps.testSend.destinations);
  await checkSegmentReferences(deps.segments, 'campaign', segmentConditions(definition));
}

async function createCampaign(deps: CampaignRouteDeps, body: unknown): Promise<CampaignRecord> {
  const definition = parseInput(campaignSchema, body, 'campaign');
  await checkReferences(deps, definition);
  try {
    return await deps.campaigns.create(definition);
  } catch (err) {
    if (err instanceof CampaignExistsError) throw new HttpError(409, 'conflict', err.message);
    throw err;
  }
}

/** An edit is a new version: new journeys start on it, running ones finish on theirs. */
async function editCampaign(deps: CampaignRouteDeps, id: string, body: unknown): Promise<CampaignRecord> {
  const definition = parseInput(campaignSchema, body, 'campaign');
  if (definition.id !== id)
    throw new HttpError(400, 'invalid_request', `invalid campaign: id: must be "${id}", the campaign being edited`, [
      { path: 'id', message: `must be "${id}"` },
    ]);
  await checkReferences(deps, definition);
  const current = await load(deps, id);
  if (current.status === 'archived')
    throw new HttpError(409, 'conflict', `campaign "${id}" is archived and cannot change`);
  const updated = await deps.campaigns.addVersion(definition);
  if (!updated) throw new HttpError(409, 'conflict', `campaign "${id}" changed meanwhile; retry`);
  await deps.active.refresh();
  const { taskQueue, entriesPerSecond } = deps.schedules;
  const hadSchedule = current.definition.schedule !== undefined;
  await syncCampaignSchedule(deps.temporal, taskQueue, updated, entriesPerSecond, hadSchedule);
  return updated;
}

/** The campaign with each version and how many journeys still run on it. */
async function showCampaign(deps: CampaignRouteDeps, id: string) {
  const record = await load(deps, id);
  const versions = await Promise.all(
    record.versions.map(async (v) => ({
      version: v.version,
      createdAt: v.createdAt,
      current: v.version === record.version,
      runningJourneys: await countRunning(deps.temporal, record._id, v.version),
    })),
  );
  return { ...view(record), versions };
}

/** A lifecycle move; archiving cancels the running journeys, leaving a pause wakes the held ones. */
async function moveCampaign(deps: CampaignRouteDeps, id: string, action: string, move: (typeof MOVES)[string]) {
  const current = await load(deps, id);
  const moved = await deps.campaigns.transition(id, move.from, move.to);
  if (!moved)
    throw new HttpError(
      409,
      'conflict',
      `campaign "${id}" is ${current.status}; it can ${action} only from ${move.from.join(' or ')}`,
    );
  await deps.active.refresh();
  await syncCampaignSchedule(deps.temporal, deps.schedules.taskQueue, moved, deps.schedules.entriesPerSecond);
  if (action === 'archive') {
    const cancelled = await cancelRunningJourneys(deps.temporal, id, { reason: `campaign ${id} archived` });
    return { ...view(moved), cancelledJourneys: cancelled.succeeded };
  }
  if (current.status === 'paused')
    return { ...view(moved), resumedJourneys: await resumeRunningJourneys(deps.temporal, id) };
  return view(moved);
}

export function campaignRoutes(deps: CampaignRouteDeps): Router {
  const router = Router();
  router.post('/campaigns', async (req, res) => {
    res.status(201).json(view(await createCampaign(deps, req.body)));
  });
  router.put('/campaigns/:id', async (req, res) => {
    res.json(view(await editCampaign(deps, idParam(req.params.id), req.body)));
  });
  router.get('/campaigns', async (_req, res) => {
    res.json({ campaigns: (await deps.campaigns.list()).map(view) });
  });
  router.get('/campaigns/:id', async (req, res) => {
    res.json(await showCampaign(deps, idParam(req.params.id)));
  });
  for (const [action, move] of Object.entries(MOVES)) {
    router.post(`/campaigns/:id/${action}`, async (req, res) => {
      res.json(await moveCampaign(deps, idParam(req.params.id), action, move));
    });
  }
  /** Sends each webhook step once, now, and shows the real answers; for checking a campaign before activating it. */
  router.post('/campaigns/:id/test-send', async (req, res) => {
    const id = idParam(req.params.id);
    const input = parseInput(testSendSchema, req.body ?? {}, 'test send');
    const record = await load(deps, id);
    res.json({
      results: await testSend(deps.testSend, record.definition, input.userId, input.event?.properties ?? {}),
    });
  });
  return router;
}

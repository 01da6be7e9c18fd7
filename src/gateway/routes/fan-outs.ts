import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CampaignRepository } from '../../db/campaigns';
import { campaignIdSchema } from '../../domain/campaign';
import { fanOutIds, type FanOutUser } from '../../domain/fan-out';
import { triggerRequestSchema } from '../../domain/trigger-request';
import { cancelFanOut, describeFanOut, listFanOuts, startFanOut } from '../../temporal/fan-outs';
import { HttpError, parseInput } from '../http-errors';

export interface FanOutRouteDeps {
  campaigns: CampaignRepository;
  temporal: Client;
  taskQueue: string;
  /** The pace of a fan-out that does not ask for its own. */
  entriesPerSecond: number;
}

const fanOutIdSchema = z.string().min(1).max(512);

/** A user listed twice is entered once, with the properties of the first listing. */
function distinctUsers(users: FanOutUser[]): FanOutUser[] {
  const byId = new Map<string, FanOutUser>();
  for (const user of users) if (!byId.has(user.userId)) byId.set(user.userId, user);
  return [...byId.values()];
}

export function fanOutRoutes(deps: FanOutRouteDeps): Router {
  const router = Router();
  const fanOutNotFound = (id: string) => new HttpError(404, 'not_found', `fan-out "${id}" does not exist`);

  /** Enters the listed users now, paced, each with its properties as the trigger event's. */
  router.post('/campaigns/:id/trigger', async (req, res) => {
    const campaignId = parseInput(campaignIdSchema, req.params.id, 'campaign id');
    const input = parseInput(triggerRequestSchema, req.body ?? {}, 'trigger');
    const campaign = await deps.campaigns.get(campaignId);
    if (!campaign) throw new HttpError(404, 'not_found', `campaign "${campaignId}" does not exist`);
    if (campaign.status !== 'active')
      throw new HttpError(
        409,
        'conflict',
        `campaign "${campaignId}" is ${campaign.status}; only an active campaign can be triggered`,
      );
    const users = distinctUsers(input.users);
    const fanOutId = fanOutIds.trigger(campaignId, randomUUID());
    await startFanOut(deps.temporal, deps.taskQueue, fanOutId, {
      campaignId,
      source: { users },
      event: { name: input.event, properties: {} },
      entriesPerSecond: input.entriesPerSecond ?? deps.entriesPerSecond,
    });
    res.status(202).json({ fanOutId, users: users.length, duplicates: input.users.length - users.length });
  });

  router.get('/campaigns/:id/fanouts', async (req, res) => {
    const campaignId = parseInput(campaignIdSchema, req.params.id, 'campaign id');
    res.json({ fanOuts: await listFanOuts(deps.temporal, campaignId) });
  });

  router.get('/fanouts/:id', async (req, res) => {
    const id = parseInput(fanOutIdSchema, req.params.id, 'fan-out id');
    const found = await describeFanOut(deps.temporal, id);
    if (!found) throw fanOutNotFound(id);
    res.json(found);
  });

  /** Stops a running fan-out after the batch it is entering; its progress then shows "cancelled". */
  router.post('/fanouts/:id/cancel', async (req, res) => {
    const id = parseInput(fanOutIdSchema, req.params.id, 'fan-out id');
    if (!(await cancelFanOut(deps.temporal, id))) {
      const found = await describeFanOut(deps.temporal, id);
      if (!found) throw fanOutNotFound(id);
      throw new HttpError(409, 'conflict', `fan-out "${id}" is not running (${found.execution.toLowerCase()})`);
    }
    res.status(202).json({ id, cancelling: true });
  });

  return router;
}

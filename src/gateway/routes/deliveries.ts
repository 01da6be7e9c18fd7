import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { DELIVERY_STATUSES, type DeliveryRecord, type DeliveryRepository } from '../../db/deliveries';
import { campaignIdSchema } from '../../domain/campaign';
import { dateTimeSchema } from '../../domain/date-time';
import { destinationIdSchema } from '../../domain/destination';
import { redactRequest } from '../../domain/redaction';
import { startRedelivery } from '../../temporal/redeliveries';
import { HttpError, parseInput } from '../http-errors';

const querySchema = z.strictObject({
  campaignId: campaignIdSchema.optional(),
  destinationId: destinationIdSchema.optional(),
  userId: z.string().min(1).max(256).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  since: dateTimeSchema.optional(),
  until: dateTimeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** A delivery's id is its webhook-id: msg_ and a UUID (msg_test_… for test sends). */
const deliveryIdSchema = z.string().regex(/^msg_[A-Za-z0-9_-]{1,100}$/, 'must be a webhook-id such as msg_3f9a…');

function view(record: DeliveryRecord) {
  const { _id, request, ...rest } = record;
  return { id: _id, ...rest, request: request && redactRequest(request) };
}

export function deliveryRoutes(deps: { deliveries: DeliveryRepository; temporal: Client; taskQueue: string }): Router {
  const router = Router();

  router.get('/deliveries', async (req, res) => {
    const query = parseInput(querySchema, req.query, 'query');
    const filter = {
      ...query,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
    };
    res.json({ deliveries: (await deps.deliveries.list(filter)).map(view) });
  });

  const idParam = (id: unknown) => parseInput(deliveryIdSchema, id, 'delivery id');

  router.get('/deliveries/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const record = await deps.deliveries.get(id);
    if (!record) throw new HttpError(404, 'not_found', `delivery "${id}" does not exist`);
    res.json(view(record));
  });

  /** Re-sends a failed delivery durably, with its original webhook-id and a fresh retry schedule. */
  router.post('/deliveries/:id/redeliver', async (req, res) => {
    const id = idParam(req.params.id);
    const current = await deps.deliveries.get(id);
    if (!current) throw new HttpError(404, 'not_found', `delivery "${id}" does not exist`);
    const reopened = await deps.deliveries.reopen(id);
    if (!reopened)
      throw new HttpError(
        409,
        'conflict',
        `delivery "${id}" is ${current.status}; only a failed delivery with a stored request can be redelivered`,
      );
    const workflowId = await startRedelivery(deps.temporal, deps.taskQueue, reopened);
    res.status(202).json({ id, status: 'pending', workflowId });
  });

  return router;
}

import { Router } from 'express';
import { z } from 'zod';
import { DELIVERY_STATUSES, type DeliveryRecord, type DeliveryRepository } from '../../db/deliveries';
import { campaignIdSchema } from '../../domain/campaign';
import { parseInput } from '../http-errors';

const querySchema = z.strictObject({
  campaignId: campaignIdSchema.optional(),
  userId: z.string().min(1).max(256).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

function view(record: DeliveryRecord) {
  const { _id, ...rest } = record;
  return { id: _id, ...rest };
}

export function deliveryRoutes(deps: { deliveries: DeliveryRepository }): Router {
  const router = Router();

  router.get('/deliveries', async (req, res) => {
    const filter = parseInput(querySchema, req.query, 'query');
    res.json({ deliveries: (await deps.deliveries.list(filter)).map(view) });
  });

  return router;
}

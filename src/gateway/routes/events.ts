import { Router } from 'express';
import { eventBatchSchema, eventInputSchema } from '../../domain/event';
import type { EventRouter } from '../event-router';
import { parseInput } from '../http-errors';

export function eventRoutes(deps: { router: EventRouter }): Router {
  const router = Router();

  /** One event, or `{ events: [...] }`; 202 once every accepted event is stored. */
  router.post('/events', async (req, res) => {
    const isBatch = typeof req.body === 'object' && req.body !== null && 'events' in req.body;
    const inputs = isBatch ? parseInput(eventBatchSchema, req.body, 'event batch').events : [parseInput(eventInputSchema, req.body, 'event')];
    res.status(202).json(await deps.router.ingest(inputs));
  });

  return router;
}

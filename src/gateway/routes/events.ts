import { Router } from 'express';
import { eventBatchSchema, eventInputSchema } from '../../domain/event';
import type { GatewayMetrics } from '../../metrics/gateway-metrics';
import { callerOf } from '../auth';
import { requireEntityEventGrant } from '../entity-events';
import type { EventRouter } from '../event-router';
import type { IngestLimit } from '../ingest-limit';
import { HttpError, parseInput } from '../http-errors';

/** How many events a rejected body held: a batch counts its entries. */
function eventsIn(body: unknown): number {
  const events = typeof body === 'object' && body !== null ? (body as { events?: unknown }).events : undefined;
  return Array.isArray(events) ? events.length : 1;
}

export function eventRoutes(deps: { router: EventRouter; metrics: GatewayMetrics; ingestLimit: IngestLimit }): Router {
  const router = Router();

  /** One event, or `{ events: [...] }`; 202 once every accepted event is stored. */
  router.post('/events', async (req, res) => {
    const isBatch = typeof req.body === 'object' && req.body !== null && 'events' in req.body;
    let inputs;
    try {
      inputs = isBatch ? parseInput(eventBatchSchema, req.body, 'event batch').events : [parseInput(eventInputSchema, req.body, 'event')];
      requireEntityEventGrant(callerOf(res), inputs, isBatch);
      deps.ingestLimit.charge(res, inputs.length, Number(res.locals.bodyBytes ?? 0));
    } catch (err) {
      if (err instanceof HttpError) deps.metrics.countEvents('rejected', eventsIn(req.body));
      throw err;
    }
    const result = await deps.router.ingest(inputs);
    deps.metrics.countEvents('accepted', result.accepted);
    deps.metrics.countEvents('duplicate', result.duplicates);
    // Past the ingest deadline the client was told to send again; it hears this answer then.
    if (!res.headersSent) res.status(202).json(result);
  });

  return router;
}

import { Router } from 'express';
import { eventBatchSchema, eventInputSchema } from '../../domain/event';
import type { GatewayMetrics } from '../../metrics/gateway-metrics';
import { callerOf } from '../auth';
import { requireEntityEventGrant } from '../entity-events';
import type { EventRouter } from '../event-router';
import type { IngestLimit } from '../ingest-limit';
import { diskFullError, HttpError, isDatabaseUnavailable, isDiskFull, parseInput, summarize } from '../http-errors';

/** How many events a rejected body held: a batch counts its entries. */
function eventsIn(body: unknown): number {
  const events = typeof body === 'object' && body !== null ? (body as { events?: unknown }).events : undefined;
  return Array.isArray(events) ? events.length : 1;
}

/**
 * A batch is all or nothing at validation: one invalid event refuses the whole batch, before
 * anything is stored, and each invalid event is named by its index and id, so the client drops
 * it and sends the rest again (events with an id are stored once however often they are sent).
 */
function nameBatchEvents(err: HttpError, body: unknown): HttpError {
  const events = (body as { events?: unknown }).events;
  if (!err.issues || !Array.isArray(events)) return err;
  const label = (path: string) =>
    path.replace(/^events\.(\d+)(?=\.|$)/, (whole, i: string) => {
      const id: unknown = (events[Number(i)] as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? `${whole} (id ${JSON.stringify(id.slice(0, 128))})` : whole;
    });
  const issues = err.issues.map((issue) => ({ ...issue, path: label(issue.path) }));
  return new HttpError(err.status, err.code, `invalid event batch, nothing was stored: ${summarize(issues)}`, issues);
}

export function eventRoutes(deps: { router: EventRouter; metrics: GatewayMetrics; ingestLimit: IngestLimit }): Router {
  const router = Router();

  /** One event, or `{ events: [...] }`; 202 once every accepted event is stored. */
  router.post('/events', async (req, res) => {
    const isBatch = typeof req.body === 'object' && req.body !== null && 'events' in req.body;
    let inputs;
    try {
      inputs = isBatch
        ? parseInput(eventBatchSchema, req.body, 'event batch').events
        : [parseInput(eventInputSchema, req.body, 'event')];
      requireEntityEventGrant(callerOf(res), inputs, isBatch);
      deps.ingestLimit.charge(res, inputs.length, Number(res.locals.bodyBytes ?? 0));
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      deps.metrics.countEvents('rejected', eventsIn(req.body));
      throw isBatch ? nameBatchEvents(err, req.body) : err;
    }
    const result = await deps.router.ingest(inputs).catch((err: unknown) => {
      // Some events of the request may be stored already: the answer must not claim none were.
      if (isDiskFull(err)) throw diskFullError('some events may be stored: send them again with the same ids');
      if (!isDatabaseUnavailable(err)) throw err;
      throw new HttpError(
        503,
        'unavailable',
        'the database failed while storing; some events may be stored: send them again with the same ids',
      );
    });
    deps.metrics.countEvents('accepted', result.accepted);
    deps.metrics.countEvents('duplicate', result.duplicates);
    // Past the ingest deadline the client was told to send again; it hears this answer then.
    if (!res.headersSent) res.status(202).json(result);
  });

  return router;
}

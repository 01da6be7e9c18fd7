import type { RequestHandler } from 'express';
import { Counter, Gauge, Registry } from 'prom-client';
import type { EventRepository } from '../db/events';

/** The gateway's Prometheus metrics: HTTP requests, events by result, and how far routing lags behind. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'hookway_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly events = new Counter({
    name: 'hookway_events_total',
    help: 'Events received, by result (accepted, duplicate, rejected)',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor(eventStore: EventRepository) {
    new Gauge({
      name: 'hookway_routing_lag_seconds',
      help: 'Age of the oldest accepted event not yet handed to Temporal (the outbox); 0 when it is empty',
      registers: [this.registry],
      async collect() {
        const oldest = await eventStore.oldestUnrouted();
        this.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
      },
    });
  }

  /**
   * Counts each request once it is answered, labelled by its route pattern (never by ids in
   * the path): the mount path noted by `rememberMount` plus the matched route, the mount
   * alone for static files, else "unmatched".
   */
  countRequests(): RequestHandler {
    return (req, res, next) => {
      res.on('finish', () => {
        const mount = typeof res.locals.mount === 'string' ? res.locals.mount : '';
        const route = req.route ? `${mount}${String(req.route.path)}` : mount || 'unmatched';
        this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }

  /** Notes a router's mount path, which Express forgets once an error leaves the router. */
  rememberMount(): RequestHandler {
    return (req, res, next) => {
      res.locals.mount = req.baseUrl;
      next();
    };
  }

  countEvents(result: 'accepted' | 'duplicate' | 'rejected', n: number): void {
    if (n > 0) this.events.inc({ result }, n);
  }
}

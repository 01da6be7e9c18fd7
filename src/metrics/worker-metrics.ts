import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DESTINATION_STATES, type DestinationRepository } from '../db/destinations';
import { LATENCY_BOUNDS_MS } from '../domain/stats';

/** The worker's Prometheus metrics: webhook attempts and deliveries by outcome, latency, breaker states. */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly attempts = new Counter({
    name: 'hookway_webhook_attempts_total',
    help: 'Webhook attempts by verdict (success, retry, reject, refused, abort, gone)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly deliveries = new Counter({
    name: 'hookway_deliveries_total',
    help: 'Deliveries that reached an end, by outcome (succeeded, failed)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'hookway_webhook_latency_seconds',
    help: 'Time from sending a webhook to its answer or error',
    buckets: LATENCY_BOUNDS_MS.map((ms) => ms / 1000),
    registers: [this.registry],
  });

  constructor(destinations?: DestinationRepository) {
    if (!destinations) return;
    new Gauge({
      name: 'hookway_destination_breaker_state',
      help: "1 for each destination's current breaker state (enabled, open, disabled)",
      labelNames: ['destination', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const destination of await destinations.list()) {
          for (const state of DESTINATION_STATES)
            this.set({ destination: destination._id, state }, destination.state === state ? 1 : 0);
        }
      },
    });
  }

  attempt(outcome: string, latencyMs: number): void {
    this.attempts.inc({ outcome });
    this.latency.observe(latencyMs / 1000);
  }

  delivered(outcome: 'succeeded' | 'failed'): void {
    this.deliveries.inc({ outcome });
  }
}

// Per-key ingestion rate limit, so that one noisy client cannot starve the others. The
// buckets live in this gateway's memory: with several gateways behind a balancer, each lets a
// key through at its rate (a shared limit would cost a database write per event).
import type { RequestHandler, Response } from 'express';
import { parseRate } from '../domain/access-key';
import { BOOTSTRAP_KEY_ID, callerOf } from './auth';
import { KeyRateLimiter, rateLimited } from './rate-limiter';

/** A request counts as one event per this many bytes of body, if that is more than its events. */
export const BYTES_PER_EVENT = 4_096;

export interface IngestLimit {
  /** Before the body is read: a key in debt is refused without parsing anything. */
  admit: RequestHandler;
  /** After parsing: charges the events (or the bytes, if more) to the key, or throws a 429. */
  charge(res: Response, events: number, bytes: number): void;
}

/** The bootstrap key is the operator's own and is not limited; clients get ingest keys. */
export function limitIngestion(defaultRate: string): IngestLimit {
  const limiter = new KeyRateLimiter();
  const spend = (res: Response, cost: number) => {
    const caller = callerOf(res);
    if (caller.keyId === BOOTSTRAP_KEY_ID) return;
    const rateText = caller.rateLimit ?? defaultRate;
    const waitMs = limiter.take(caller.keyId, parseRate(rateText)!, Date.now(), cost);
    if (waitMs > 0) throw rateLimited(res, waitMs, `key ${caller.keyId} sent more than its rate of ${rateText} events`);
  };
  return {
    admit: (_req, res, next) => {
      spend(res, 0);
      next();
    },
    charge: (res, events, bytes) => spend(res, Math.max(events, Math.ceil(bytes / BYTES_PER_EVENT))),
  };
}

// Per-key ingestion rate limit, so that one noisy client cannot starve the others. The
// buckets live in this gateway's memory: with several gateways behind a balancer, each lets a
// key through at its rate (a shared limit would cost a database write per event).
import type { RequestHandler } from 'express';
import { parseRate, type Rate } from '../domain/access-key';
import { formatDuration } from '../domain/duration';
import { BOOTSTRAP_KEY_ID, callerOf } from './auth';
import { HttpError } from './http-errors';

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets: each holds up to `count` requests and refills at `count` per period. */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** 0 when the request may pass (and is counted), else the milliseconds until it could. */
  take(keyId: string, rate: Rate, now = Date.now()): number {
    const perMs = rate.count / rate.periodMs;
    const bucket = this.buckets.get(keyId) ?? { tokens: rate.count, at: now };
    bucket.tokens = Math.min(rate.count, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(keyId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / perMs);
  }
}

/** The bootstrap key is the operator's own and is not limited; clients get ingest keys. */
export function limitIngestion(defaultRate: string): RequestHandler {
  const limiter = new KeyRateLimiter();
  return (_req, res, next) => {
    const caller = callerOf(res);
    if (caller.keyId === BOOTSTRAP_KEY_ID) return next();
    const rateText = caller.rateLimit ?? defaultRate;
    const waitMs = limiter.take(caller.keyId, parseRate(rateText)!);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      res.set('Retry-After', String(seconds));
      // The longest wait is one period of the slowest rate, an hour: it always has a duration text.
      throw new HttpError(429, 'rate_limited', `key ${caller.keyId} sent more than its rate of ${rateText}; retry in ${formatDuration(seconds * 1000)}`);
    }
    next();
  };
}

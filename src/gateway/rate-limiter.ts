// Token buckets in this gateway's memory, for the ingestion limit per key and the limit on
// failed key look-ups per client address.
import type { Response } from 'express';
import type { Rate } from '../domain/access-key';
import { formatDuration } from '../domain/duration';
import { HttpError } from './http-errors';

const MAX_BUCKETS = 100_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets: each holds up to `count` tokens and refills at `count` per period. A request
 * costing more than a full bucket (a big batch) passes once the bucket is full and leaves it in
 * debt, so the key still gets no more than its rate over time.
 */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** 0 when `cost` tokens may be spent (and are), else the milliseconds until they could; cost 0 asks for one token, spending none. */
  take(keyId: string, rate: Rate, now = Date.now(), cost = 1): number {
    const bucket = this.refill(keyId, rate, now);
    const needed = Math.min(Math.max(cost, 1), rate.count);
    if (bucket.tokens >= needed) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.ceil((needed - bucket.tokens) / (rate.count / rate.periodMs));
  }

  private refill(keyId: string, rate: Rate, now: number): Bucket {
    // Bounded memory when keyed by client address: a flood of addresses starts the buckets over.
    if (this.buckets.size >= MAX_BUCKETS && !this.buckets.has(keyId)) this.buckets.clear();
    const bucket = this.buckets.get(keyId) ?? { tokens: rate.count, at: now };
    bucket.tokens = Math.min(rate.count, bucket.tokens + (now - bucket.at) * (rate.count / rate.periodMs));
    bucket.at = now;
    this.buckets.set(keyId, bucket);
    return bucket;
  }
}

export function rateLimited(res: Response, waitMs: number, what: string): HttpError {
  const seconds = Math.ceil(waitMs / 1000);
  res.set('Retry-After', String(seconds));
  // The longest wait is one period of the slowest rate, an hour: it always has a duration text.
  return new HttpError(429, 'rate_limited', `${what}; retry in ${formatDuration(seconds * 1000)}`);
}

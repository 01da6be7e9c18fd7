import type { RequestHandler, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { keyDigest, type AccessKeyRepository } from '../db/access-keys';
import { parseRate, type AccessKind } from '../domain/access-key';
import { HttpError } from './http-errors';
import { KeyRateLimiter, rateLimited } from './rate-limiter';

/** Who is calling, as the routes see it. */
export interface Caller {
  keyId: string;
  kind: AccessKind;
  rateLimit?: string;
  /** May send entity events (no userId), which enter whole audiences: admin keys, and ingest keys granted it. */
  entityEvents: boolean;
}

/** HOOKWAY_API_KEY: the operator's admin key, from which the first other keys are made. */
export const BOOTSTRAP_KEY_ID = 'bootstrap';

export function callerOf(res: Response): Caller {
  return res.locals.caller as Caller;
}

/** Failed key look-ups allowed per client address. */
export const FAILED_LOOKUPS = parseRate('30/m')!;

const unauthorized = (why: string) =>
  new HttpError(401, 'unauthorized', `${why}; send an access key as "Authorization: Bearer <key>"`);

/**
 * Finds the caller's key. The bootstrap key is compared by digest in constant time. Other keys
 * are looked up by their digest on every request, never cached, so that a key revoked on one
 * gateway is refused by every gateway at once; a timing difference in that lookup can only
 * tell an attacker about a digest, never about a key.
 */
export function authenticate(bootstrapKey: string, keys: AccessKeyRepository): RequestHandler {
  const bootstrap = keyDigest(bootstrapKey);
  const failures = new KeyRateLimiter();
  return async (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match) throw unauthorized('no access key');
    const digest = keyDigest(match[1]);
    if (timingSafeEqual(digest, bootstrap)) {
      res.locals.caller = { keyId: BOOTSTRAP_KEY_ID, kind: 'admin', entityEvents: true } satisfies Caller;
      return next();
    }
    // Guessing keys costs a database look-up each: an address that keeps failing waits instead.
    const address = req.socket.remoteAddress ?? 'unknown';
    const waitMs = failures.take(address, FAILED_LOOKUPS, Date.now(), 0);
    if (waitMs > 0) throw rateLimited(res, waitMs, `too many unknown or revoked keys from ${address}`);
    const record = await keys.findByDigest(digest);
    if (!record || record.revokedAt) {
      failures.take(address, FAILED_LOOKUPS, Date.now(), 1);
      throw unauthorized('the access key is unknown or revoked');
    }
    res.locals.caller = {
      keyId: record._id,
      kind: record.kind,
      rateLimit: record.rateLimit,
      entityEvents: record.kind === 'admin' || record.entityEvents === true,
    } satisfies Caller;
    next();
  };
}

/** Lets only admin keys through; an ingest key hears which kind it would need. */
export const requireAdmin: RequestHandler = (req, res, next) => {
  const { kind } = callerOf(res);
  if (kind !== 'admin') {
    throw new HttpError(
      403,
      'forbidden',
      `an ${kind} key may only post events; ${req.method} ${req.baseUrl}${req.path} needs an admin key`,
    );
  }
  next();
};

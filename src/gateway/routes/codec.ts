// The codec endpoint (Temporal's remote codec protocol): the Web UI and
// `temporal workflow show --codec-endpoint <gateway>/codec --codec-auth "Bearer <admin key>"`
// send the payloads of a history here and show them decoded. Whoever decodes reads every
// campaign, event and profile that passed through Temporal, so it takes an admin key, or, for
// the Web UI that `npm start` runs (which cannot send a key), the secret path it was given.
import type { Payload, PayloadCodec } from '@temporalio/common';
import cors from 'cors';
import express, { Router, type RequestHandler } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../logger';
import { errorHandler, HttpError, parseInput, requireJsonBody } from '../http-errors';
import { FAILED_LOOKUPS } from '../auth';
import { KeyRateLimiter, rateLimited } from '../rate-limiter';

/** A history page of payloads; each payload may be up to 2 MiB, so the UI sends them a few at a time. */
const CODEC_BODY_LIMIT = '16mb';

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

/** Payloads in proto3 JSON: bytes as base64. */
const payloadsSchema = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).default({}), data: base64.default('') }))
    .max(10_000),
});

function fromJson(payloads: z.infer<typeof payloadsSchema>['payloads']): Payload[] {
  return payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(data, 'base64'),
  }));
}

function toJson(payloads: Payload[]) {
  return payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')]),
    ),
    data: Buffer.from(data ?? []).toString('base64'),
  }));
}

/** POST /encode and /decode, behind whatever access check the caller mounts first. */
export function codecRoutes(codec: PayloadCodec): Router {
  const router = Router();
  router.use(requireJsonBody, express.json({ limit: CODEC_BODY_LIMIT, type: 'application/json' }));
  for (const direction of ['encode', 'decode'] as const) {
    router.post(`/${direction}`, async (req, res) => {
      const { payloads } = parseInput(payloadsSchema, req.body, 'payloads');
      let result: Payload[];
      try {
        result = await codec[direction](fromJson(payloads));
      } catch (err) {
        throw new HttpError(
          400,
          'invalid_request',
          `payloads: cannot ${direction}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      res.json({ payloads: toJson(result) });
    });
  }
  return router;
}

const unknownCodecRoute: RequestHandler = (_req, _res, next) =>
  next(new HttpError(404, 'not_found', 'the codec serves POST /encode and /decode'));

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Lets through requests whose path carries the secret, from no browser or from an allowed
 * origin's page. Wrong secrets cost the client address like unknown keys do, and are answered
 * 404 as if nothing were there.
 */
function requireCapability(secret: string, origins: string[]): RequestHandler {
  const expected = digest(secret);
  const failures = new KeyRateLimiter();
  return (req, res, next) => {
    if (!timingSafeEqual(digest(String(req.params.secret)), expected)) {
      const address = req.socket.remoteAddress ?? 'unknown';
      const waitMs = failures.take(address, FAILED_LOOKUPS, Date.now(), 0);
      if (waitMs > 0) throw rateLimited(res, waitMs, `too many wrong codec paths from ${address}`);
      failures.take(address, FAILED_LOOKUPS, Date.now(), 1);
      throw new HttpError(404, 'not_found', 'no codec endpoint here');
    }
    const origin = req.get('origin');
    if (origin !== undefined && !origins.includes(origin)) {
      throw new HttpError(403, 'forbidden', `origin ${origin} may not use this codec endpoint`);
    }
    next();
  };
}

/**
 * The codec for the embedded Web UI, at /codec/ui/<secret>: the UI calls it from the browser
 * without credentials. Errors are answered here, so that no log line carries the secret path.
 */
export function uiCodecRoutes(opts: {
  codec: PayloadCodec;
  secret: string;
  corsOrigins: string[];
  logger: Logger;
}): Router {
  const router = Router({ mergeParams: true });
  router.use(
    requireCapability(opts.secret, opts.corsOrigins),
    cors({ origin: opts.corsOrigins, methods: ['POST'], allowedHeaders: ['content-type', 'x-namespace'] }),
    codecRoutes(opts.codec),
    unknownCodecRoute,
    errorHandler(opts.logger),
  );
  return router;
}

// The codec endpoint (Temporal's remote codec protocol): the Web UI and
// `temporal workflow show --codec-endpoint <gateway>/codec --codec-auth "Bearer <admin key>"`
// send the payloads of a history here and show them decoded. Admin keys only: whoever decodes
// reads every campaign, event and profile that passed through Temporal.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { Router } from 'express';
import { z } from 'zod';
import { HttpError, parseInput } from '../http-errors';

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

export function codecRoutes(codec: PayloadCodec): Router {
  const router = Router();
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

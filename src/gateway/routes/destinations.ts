import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { DeliveryRepository } from '../../db/deliveries';
import { DestinationExistsError, type DestinationRecord, type DestinationRepository } from '../../db/destinations';
import { maskSecret } from '../../domain/signing-secret';
import { dateTimeSchema } from '../../domain/date-time';
import {
  destinationConfigSchema,
  destinationCreateSchema,
  destinationIdSchema,
  replacedConfig,
} from '../../domain/destination';
import { redactAllHeaders, redactUrl } from '../../domain/redaction';
import { startRedelivery } from '../../temporal/redeliveries';
import { HttpError, parseInput } from '../http-errors';

const HIDDEN = '••••';
const MAX_RECOVER = 1_000;

/** A destination as the API shows it: credentials and signing secrets only as hints. */
function view(record: DestinationRecord) {
  const { auth, ...config } = record.config;
  return {
    id: record._id,
    ...config,
    url: redactUrl(config.url),
    headers: redactAllHeaders(config.headers),
    auth:
      auth &&
      (auth.type === 'basic'
        ? { type: 'basic', username: auth.username, password: HIDDEN }
        : { type: 'bearer', token: HIDDEN }),
    signingSecrets: record.secrets.map((s) => ({
      hint: maskSecret(s.value),
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
    })),
    state: record.state,
    disabledReason: record.disabledReason,
    consecutiveFailures: record.consecutiveFailures,
    failingSince: record.failingSince,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

const recoverSchema = z.strictObject({
  since: dateTimeSchema,
  until: dateTimeSchema.optional(),
});

export function destinationRoutes(deps: {
  destinations: DestinationRepository;
  deliveries: DeliveryRepository;
  temporal: Client;
  taskQueue: string;
  secretGraceMs: number;
}): Router {
  const router = Router();
  const idParam = (id: unknown) => parseInput(destinationIdSchema, id, 'destination id');
  const notFound = (id: string) => new HttpError(404, 'not_found', `destination "${id}" does not exist`);

  /** The signing secret is shown once, here; afterwards only its hint. */
  router.post('/destinations', async (req, res) => {
    const input = parseInput(destinationCreateSchema, req.body, 'destination');
    try {
      const record = await deps.destinations.create(input);
      res.status(201).json({ ...view(record), signingSecret: record.secrets[0].value });
    } catch (err) {
      if (err instanceof DestinationExistsError) throw new HttpError(409, 'conflict', err.message);
      throw err;
    }
  });

  router.get('/destinations', async (_req, res) => {
    res.json({ destinations: (await deps.destinations.list()).map(view) });
  });

  router.get('/destinations/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const record = await deps.destinations.get(id);
    if (!record) throw notFound(id);
    res.json(view(record));
  });

  /** Replaces the configuration and re-enables the destination; see replacedConfig for what is kept. */
  router.put('/destinations/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const config = parseInput(destinationConfigSchema, req.body, 'destination');
    const current = await deps.destinations.get(id);
    if (!current) throw notFound(id);
    const authGiven = (req.body as { auth?: unknown }).auth !== undefined;
    const record = await deps.destinations.replaceConfig(id, replacedConfig(current.config, config, authGiven));
    if (!record) throw notFound(id);
    res.json(view(record));
  });

  router.post('/destinations/:id/rotate-secret', async (req, res) => {
    const id = idParam(req.params.id);
    const rotated = await deps.destinations.rotateSecret(id, deps.secretGraceMs);
    if (!rotated) throw notFound(id);
    res.json({ ...view(rotated.record), signingSecret: rotated.secret });
  });

  /** Re-sends every failed delivery to this destination created in [since, until), each with its webhook-id. */
  router.post('/destinations/:id/recover', async (req, res) => {
    const id = idParam(req.params.id);
    const range = parseInput(recoverSchema, req.body ?? {}, 'recover request');
    if (!(await deps.destinations.get(id))) throw notFound(id);
    const failed = await deps.deliveries.list({
      destinationId: id,
      status: 'failed',
      since: new Date(range.since),
      until: range.until ? new Date(range.until) : undefined,
      limit: MAX_RECOVER,
    });
    const workflows: string[] = [];
    for (const delivery of failed) {
      const reopened = await deps.deliveries.reopen(delivery._id);
      if (reopened) workflows.push(await startRedelivery(deps.temporal, deps.taskQueue, reopened));
    }
    res.status(202).json({ redelivering: workflows.length, workflows });
  });

  return router;
}

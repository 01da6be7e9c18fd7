import { Router } from 'express';
import type { AccessKeyRecord, AccessKeyRepository } from '../../db/access-keys';
import { accessKeyCreateSchema, accessKeyIdSchema } from '../../domain/access-key';
import { HttpError, parseInput } from '../http-errors';

/** A key as the API lists it: never its secret or digest. */
function view(record: AccessKeyRecord) {
  return {
    id: record._id,
    kind: record.kind,
    name: record.name,
    hint: record.hint,
    rateLimit: record.rateLimit,
    entityEvents: record.kind === 'admin' || record.entityEvents === true,
    createdAt: record.createdAt,
    revokedAt: record.revokedAt,
  };
}

export function keyRoutes(deps: { accessKeys: AccessKeyRepository }): Router {
  const router = Router();

  /** The key itself is in this answer only; it cannot be shown again. */
  router.post('/keys', async (req, res) => {
    const input = parseInput(accessKeyCreateSchema, req.body, 'access key');
    const { record, key } = await deps.accessKeys.create(input);
    res.status(201).json({ ...view(record), key });
  });

  router.get('/keys', async (_req, res) => {
    res.json({ keys: (await deps.accessKeys.list()).map(view) });
  });

  /** Revoked keys are refused from the next request on, by every gateway. */
  router.delete('/keys/:id', async (req, res) => {
    const id = parseInput(accessKeyIdSchema, req.params.id, 'key id');
    const record = await deps.accessKeys.revoke(id);
    if (!record) throw new HttpError(404, 'not_found', `access key "${id}" does not exist`);
    res.json(view(record));
  });

  return router;
}

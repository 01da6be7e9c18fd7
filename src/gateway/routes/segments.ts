import { Router } from 'express';
import { z } from 'zod';
import { SegmentExistsError, type SegmentRecord } from '../../db/segments';
import { segmentIdSchema, segmentSchema, type Segment } from '../../domain/segment';
import { HttpError, parseInput } from '../http-errors';
import { checkSegmentReferences, type SegmentReferenceDeps } from '../segment-references';

function view(record: SegmentRecord) {
  return { ...record.definition, createdAt: record.createdAt, updatedAt: record.updatedAt };
}

const previewQuerySchema = z.strictObject({
  sample: z.coerce.number().int('must be a whole number').min(0).max(100, 'must be at most 100').default(10),
});

export function segmentRoutes(deps: SegmentReferenceDeps): Router {
  const router = Router();
  const idParam = (id: unknown) => parseInput(segmentIdSchema, id, 'segment id');
  const load = async (id: string) => {
    const record = await deps.segments.get(id);
    if (!record) throw new HttpError(404, 'not_found', `segment "${id}" does not exist`);
    return record;
  };
  const check = (segment: Segment) =>
    checkSegmentReferences(deps, 'segment', [[['condition'], segment.condition]], segment.id);

  router.post('/segments', async (req, res) => {
    const segment = parseInput(segmentSchema, req.body, 'segment');
    await check(segment);
    try {
      res.status(201).json(view(await deps.segments.create(segment)));
    } catch (err) {
      if (err instanceof SegmentExistsError) throw new HttpError(409, 'conflict', err.message);
      throw err;
    }
  });

  router.get('/segments', async (_req, res) => {
    res.json({ segments: (await deps.segments.list()).map(view) });
  });

  router.get('/segments/:id', async (req, res) => {
    res.json(view(await load(idParam(req.params.id))));
  });

  /** Replaces the definition; campaigns that reference the segment see the change at their next check. */
  router.put('/segments/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const segment = parseInput(segmentSchema, req.body, 'segment');
    if (segment.id !== id)
      throw new HttpError(400, 'invalid_request', `invalid segment: id: must be "${id}", the segment being edited`, [
        { path: 'id', message: `must be "${id}"` },
      ]);
    await load(id);
    await check(segment);
    const updated = await deps.segments.replace(segment);
    if (!updated) throw new HttpError(404, 'not_found', `segment "${id}" does not exist`);
    res.json(view(updated));
  });

  /** How many users match now (past a bound an estimate, saying so) and a few of them. */
  router.get('/segments/:id/preview', async (req, res) => {
    const record = await load(idParam(req.params.id));
    const { sample } = parseInput(previewQuerySchema, req.query, 'preview query');
    const preview = await deps.audience.preview(record.definition.condition, { now: Date.now() }, sample);
    res.json({ segment: record._id, ...preview });
  });

  return router;
}

import { Router } from 'express';
import type { SettingsRepository } from '../../db/settings';
import { settingsSchema } from '../../domain/settings';
import { parseInput } from '../http-errors';

/** Fatigue settings for every campaign: global caps, global quiet hours, the default time zone. */
export function settingsRoutes(deps: { settings: SettingsRepository }): Router {
  const router = Router();

  router.get('/settings', async (_req, res) => {
    res.json(await deps.settings.get());
  });

  /** Replaces the settings as a whole; omitted fields take their defaults. */
  router.put('/settings', async (req, res) => {
    res.json(await deps.settings.put(parseInput(settingsSchema, req.body, 'settings')));
  });

  return router;
}

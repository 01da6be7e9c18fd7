import { Router } from 'express';
import { z } from 'zod';
import type { EventRepository } from '../../db/events';
import { entryCount, type JourneyRepository } from '../../db/journeys';
import type { ProfileRepository } from '../../db/profiles';
import { propertiesSchema, userIdSchema } from '../../domain/event';
import { HttpError, parseInput } from '../http-errors';

const RECENT_EVENTS = 20;
const RECENT_JOURNEYS = 50;

/** Identify: properties merged into the profile exactly as an event's userProperties are. */
const identifySchema = z.strictObject({ properties: propertiesSchema });

export function userRoutes(deps: {
  profiles: ProfileRepository;
  events: EventRepository;
  journeys: JourneyRepository;
}): Router {
  const router = Router();
  const idParam = (id: unknown) => parseInput(userIdSchema, id, 'user id');

  const profileView = async (userId: string) => {
    const profile = await deps.profiles.get(userId);
    return (
      profile && {
        id: profile._id,
        properties: profile.properties,
        firstSeen: profile.firstSeen,
        lastSeen: profile.lastSeen,
      }
    );
  };

  router.post('/users/:id', async (req, res) => {
    const userId = idParam(req.params.id);
    const { properties } = parseInput(identifySchema, req.body, 'user');
    await deps.profiles.merge([{ userId, properties, seenAt: new Date() }]);
    res.json(await profileView(userId));
  });

  /** The profile, its latest events and the journeys it entered (latest first). */
  router.get('/users/:id', async (req, res) => {
    const userId = idParam(req.params.id);
    const [profile, events, journeys] = await Promise.all([
      profileView(userId),
      deps.events.recentForUser(userId, RECENT_EVENTS),
      deps.journeys.listForUser(userId, RECENT_JOURNEYS),
    ]);
    if (!profile) throw new HttpError(404, 'not_found', `user "${userId}" has no profile`);
    res.json({
      ...profile,
      recentEvents: events.map((e) => ({ id: e.id, name: e.name, timestamp: e.timestamp, properties: e.properties })),
      journeys: journeys.map((j) => ({
        id: j._id,
        campaignId: j.campaignId,
        status: j.status,
        entries: entryCount(j),
        enteredAt: j.enteredAt,
        endedAt: j.endedAt,
        outcome: j.outcome,
      })),
    });
  });

  return router;
}

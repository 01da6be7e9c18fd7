// The data-growth phase (--phases data-growth, outside the default run): targeting measured with
// 10,000 events stored, then again after loading up to --data-events events over a tenth as
// many users, in the same run. Data is loaded fast with the driver: events and profiles by
// insertMany, each user's history through Hookway's own history writer, one append per user,
// and the profiles registered in the profile directory as Hookway registers new profiles.
import { EventHistory } from '../db/event-history';
import { ProfileDirectory } from '../db/profile-directory';
import type { BenchContext } from './context';
import { runJourneys, type FlowResult } from './flows';
import { cpuSeconds } from './stack';
import { closedLoop, summarise } from './stats';

const SMALL_EVENTS = 10_000;
const EVENTS_PER_USER = 10;
/** Users loaded per round: their events and profiles in one insertMany each. */
const LOAD_USERS = 2_000;
const DAY = 86_400_000;
const TRIGGER = 'growth_trigger';
const CAMPAIGN = 'bench-growth';
const SEGMENT = 'growth-buyers';
/** Every user bought twice within the last 30 days, so each journey passes its audience and sends. */
const AUDIENCE = { performed: 'growth_buy', within: '30d' };
const USER_VIEWS = 200;
const PREVIEWS = 3;

export interface GrowthPoint {
  events: number;
  users: number;
  /** Time to load the events added for this point. */
  loadMs: number;
  journeys: FlowResult;
  userViewP50: number;
  previewMs: number;
  preview: { count: number; exact: boolean; margin?: number };
  /** FerretDB's CPU time per journey of the behavioural campaign. */
  dbCpuMsPerJourney: number;
}

export interface GrowthResult {
  small: GrowthPoint;
  large: GrowthPoint;
}

const userId = (u: number) => `growth-u${String(u).padStart(7, '0')}`;

function eventsOf(u: number, now: number) {
  return Array.from({ length: EVENTS_PER_USER }, (_, k) => {
    const timestamp = new Date(now - ((u * 7 + k * 3) % 29) * DAY - k * 60_000);
    const name = k < 2 ? 'growth_buy' : 'growth_browse';
    return {
      _id: `growth-${u}-${k}`,
      userId: userId(u),
      name,
      properties: { amount: (u + k) % 300, page: `p${k}` },
      timestamp,
      receivedAt: timestamp,
    };
  });
}

/** Loads users [from, to) with their events; returns the time taken. */
async function load(ctx: BenchContext, from: number, to: number): Promise<number> {
  const t0 = performance.now();
  const db = ctx.mongo.db!;
  const history = new EventHistory(ctx.mongo);
  const directory = new ProfileDirectory(ctx.mongo);
  const now = Date.now();
  for (let first = from; first < to; first += LOAD_USERS) {
    const users = Array.from({ length: Math.min(LOAD_USERS, to - first) }, (_, i) => first + i);
    const events = users.flatMap((u) => eventsOf(u, now));
    const registered = await directory.add(users.map(userId));
    const profiles = users.map((u) => ({
      _id: userId(u),
      properties: { tier: u % 3 === 0 ? 'gold' : 'silver' },
      firstSeen: new Date(now - 40 * DAY),
      lastSeen: new Date(now),
      directory: registered.placeOf(userId(u)),
    }));
    await Promise.all([
      db.collection<{ _id: string }>('events').insertMany(events, { ordered: false }),
      db.collection<{ _id: string }>('profiles').insertMany(profiles, { ordered: false }),
      history.append(events),
    ]);
  }
  return Math.round(performance.now() - t0);
}

async function measure(ctx: BenchContext, users: number, loadMs: number, run: string): Promise<GrowthPoint> {
  const ferret = ctx.pids.get('ferretdb');
  const cpuBefore = cpuSeconds(ferret);
  // Users spread over the whole set (7919 is prime, so they are distinct while fewer than `users`).
  const journeys = await runJourneys(ctx, {
    run,
    trigger: TRIGGER,
    campaigns: [CAMPAIGN],
    userOf: (i) => userId((i * 7919) % users),
  });
  const cpu = (cpuSeconds(ferret) ?? NaN) - (cpuBefore ?? NaN);
  const views: number[] = [];
  await closedLoop(USER_VIEWS, 10, 60_000, async (i) => {
    const t0 = performance.now();
    const res = await ctx.gateway.request('GET', `/v1/users/${userId((i * 104_729) % users)}`);
    if (res.status !== 200) throw new Error(`user view answered ${res.status}`);
    views.push(performance.now() - t0);
  });
  const previews: number[] = [];
  let preview: GrowthPoint['preview'] = { count: NaN, exact: false };
  for (let i = 0; i < PREVIEWS; i++) {
    const t0 = performance.now();
    const res = await ctx.gateway.request('GET', `/v1/segments/${SEGMENT}/preview?sample=10`);
    previews.push(performance.now() - t0);
    const { count, exact, margin } = JSON.parse(res.body) as GrowthPoint['preview'];
    preview = { count, exact, ...(margin !== undefined && { margin }) };
  }
  return {
    events: users * EVENTS_PER_USER,
    users,
    loadMs,
    journeys,
    userViewP50: summarise(views).p50,
    previewMs: summarise(previews).p50,
    preview,
    dbCpuMsPerJourney: Math.round((cpu * 1000) / Math.max(1, journeys.started)),
  };
}

export async function runDataGrowth(
  ctx: BenchContext,
  totalEvents: number,
  log: (message: string) => void,
): Promise<GrowthResult> {
  const webhook = {
    id: 'hook',
    type: 'webhook',
    request: { method: 'POST', url: ctx.receiver.url, body: { ref: '{{event.id}}', campaign: '{{campaign.id}}' } },
  };
  await ctx.gateway.expect(
    'POST',
    '/v1/campaigns',
    { id: CAMPAIGN, name: 'bench growth', trigger: { event: TRIGGER }, audience: AUDIENCE, steps: [webhook] },
    201,
  );
  await ctx.gateway.expect('POST', `/v1/campaigns/${CAMPAIGN}/activate`, undefined, 200);
  await ctx.gateway.expect('POST', '/v1/segments', { id: SEGMENT, name: 'growth buyers', condition: AUDIENCE }, 201);
  const smallUsers = SMALL_EVENTS / EVENTS_PER_USER;
  const small = await measure(ctx, smallUsers, await load(ctx, 0, smallUsers), 'g-small');
  log(`data growth at ${small.events} events: ${JSON.stringify(small)}`);
  const largeUsers = Math.max(smallUsers, Math.round(totalEvents / EVENTS_PER_USER));
  const loadMs = await load(ctx, smallUsers, largeUsers);
  log(`loaded ${largeUsers * EVENTS_PER_USER} events over ${largeUsers} users in ${Math.round(loadMs / 1000)} s`);
  const large = await measure(ctx, largeUsers, loadMs, 'g-large');
  return { small, large };
}

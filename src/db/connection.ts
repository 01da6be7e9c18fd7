// MongoDB through mongoose. The code uses only what both MongoDB 7 and FerretDB 1.24 support:
// no transactions or sessions, no change streams, no TTL/partial/text indexes, no $lookup or
// $facet, no projection on findOneAndUpdate, and duplicates detected through error 11000.
import mongoose, { type Connection } from 'mongoose';
import pino from 'pino';
import type { Logger } from '../logger';
import { AudienceQuery } from './audience';
import { AccessKeyRepository } from './access-keys';
import { CampaignRepository } from './campaigns';
import { Claims } from './claims';
import { DeliveryRepository } from './deliveries';
import { DestinationRepository } from './destinations';
import { EventDays } from './event-days';
import { EventHistory } from './event-history';
import { EventRepository } from './events';
import { FanOutEntryRepository } from './fan-out-entries';
import { HistoryOutbox } from './history-outbox';
import { JourneyRepository } from './journeys';
import { ProfileDirectory } from './profile-directory';
import { ProfileRepository } from './profiles';
import { PropertyCatalog } from './property-catalog';
import { StatsStore } from './stats';
import { StatsRecorder } from './stats-recorder';
import { SendLog } from './send-log';
import { SettingsRepository } from './settings';
import { SegmentRepository } from './segments';

export interface Repositories {
  connection: Connection;
  claims: Claims;
  campaigns: CampaignRepository;
  events: EventRepository;
  profiles: ProfileRepository;
  deliveries: DeliveryRepository;
  destinations: DestinationRepository;
  journeys: JourneyRepository;
  stats: StatsStore;
  /** Counts campaign analytics; flush or close it before closing the connection. */
  statsRecorder: StatsRecorder;
  sendLog: SendLog;
  settings: SettingsRepository;
  fanOutEntries: FanOutEntryRepository;
  segments: SegmentRepository;
  audience: AudienceQuery;
  accessKeys: AccessKeyRepository;
}

const STATS_FLUSH_MS = 1_000;
const STATS_COMPACT_EVERY = 5;

export async function connectRepositories(
  uri: string,
  logger: Logger = pino({ level: 'silent' }),
): Promise<Repositories> {
  // Indexes are created explicitly below, not lazily by mongoose on first use.
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 5_000,
    autoIndex: false,
    autoCreate: true,
    // Counted per command in each process's /metrics (src/metrics/db-commands.ts).
    monitorCommands: true,
  });
  await connection.asPromise();
  const claims = new Claims(connection);
  const stats = new StatsStore(connection, claims);
  const statsRecorder = new StatsRecorder(stats, {
    flushMs: STATS_FLUSH_MS,
    compactEvery: STATS_COMPACT_EVERY,
    logger,
  });
  connection.on('close', () => statsRecorder.stop());
  const segments = new SegmentRepository(connection);
  const history = new EventHistory(connection);
  const days = new EventDays(connection);
  const directory = new ProfileDirectory(connection);
  const catalog = new PropertyCatalog(connection);
  const repositories = {
    connection,
    claims,
    campaigns: new CampaignRepository(connection),
    events: new EventRepository(
      connection,
      history,
      new HistoryOutbox(connection, history, days, logger),
      catalog,
      days,
    ),
    profiles: new ProfileRepository(connection, directory, catalog),
    deliveries: new DeliveryRepository(connection),
    destinations: new DestinationRepository(connection, claims),
    journeys: new JourneyRepository(connection),
    stats,
    statsRecorder,
    sendLog: new SendLog(connection),
    settings: new SettingsRepository(connection),
    fanOutEntries: new FanOutEntryRepository(connection),
    segments,
    audience: new AudienceQuery(connection, segments, history, directory),
    accessKeys: new AccessKeyRepository(connection),
  };
  await Promise.all(Object.values(connection.models).map((model) => model.createIndexes()));
  await Promise.all([directory.migrate(), catalog.migrate(), repositories.journeys.migrateUserIndex()]);
  const migrated = await repositories.events.migrateToHistory();
  if (migrated > 0) logger.info({ events: migrated }, 'copied events stored before per-user histories into them');
  await repositories.events.dropTimestampIndex();
  const logged = await repositories.events.migrateToDays();
  if (logged > 0) logger.info({ events: logged }, 'logged events stored before the day logs by day, for retention');
  return repositories;
}

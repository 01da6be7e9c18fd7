import { Schema, type Connection, type Model } from 'mongoose';
import { DEFAULT_SETTINGS, settingsSchema, type Settings } from '../domain/settings';
import { RecentRead } from './recent-read';

/** The one settings document: fatigue rules for every campaign. */
interface SettingsRecord {
  _id: string;
  settings: Settings;
  updatedAt: Date;
}

export const SETTINGS_ID = 'global';
/** Also read by the health probe (health.ts): one small document every deployment has, or its empty collection. */
export const SETTINGS_COLLECTION = 'settings';

const settingsRecordSchema = new Schema<SettingsRecord>(
  { _id: { type: String, required: true }, settings: { type: Schema.Types.Mixed, required: true }, updatedAt: Date },
  { versionKey: false, minimize: false },
);

export class SettingsRepository {
  private readonly model: Model<SettingsRecord>;

  private readonly saved = new RecentRead(async () => {
    const record = await this.model.findById(SETTINGS_ID).lean<SettingsRecord>();
    // Parsed again so that a field added later gets its default.
    return record ? settingsSchema.parse(record.settings) : DEFAULT_SETTINGS;
  });

  constructor(connection: Connection) {
    this.model = connection.model<SettingsRecord>('Settings', settingsRecordSchema, SETTINGS_COLLECTION);
  }

  /** Lets this process reuse the settings for `maxAgeMs` after reading them (the worker sets it; 0 reads every time). */
  cacheFor(maxAgeMs: number): void {
    this.saved.maxAgeMs = maxAgeMs;
  }

  /** The saved settings, or the defaults before any were saved. */
  async get(): Promise<Settings> {
    return this.saved.get();
  }

  /** Replaces the settings as a whole (the last writer wins, as with any admin form). */
  async put(settings: Settings): Promise<Settings> {
    await this.model.replaceOne({ _id: SETTINGS_ID }, { settings, updatedAt: new Date() }, { upsert: true });
    return settings;
  }
}

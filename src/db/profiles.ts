import { Schema, type Connection, type Model } from 'mongoose';
import { isTimeZone } from '../domain/local-time';

export interface ProfileRecord {
  _id: string;
  // Validated by the event schema before it gets here.
  properties: Record<string, unknown>;
  firstSeen: Date;
  lastSeen: Date;
}

export interface ProfileUpdate {
  userId: string;
  // Validated by the event schema before it gets here.
  properties: Record<string, unknown>;
  seenAt: Date;
}

const profileSchema = new Schema<ProfileRecord>(
  {
    _id: { type: String, required: true },
    properties: { type: Schema.Types.Mixed, default: {} },
    firstSeen: { type: Date, required: true },
    lastSeen: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
// Serve user.firstSeen / user.lastSeen conditions; property conditions scan profiles in _id order.
profileSchema.index({ firstSeen: 1 });
profileSchema.index({ lastSeen: 1 });

/** Folds several updates of one user into one, so a batch writes each profile once. */
function mergeByUser(updates: ProfileUpdate[]): Array<ProfileUpdate & { firstSeen: Date }> {
  const byUser = new Map<string, ProfileUpdate & { firstSeen: Date }>();
  for (const update of updates) {
    const known = byUser.get(update.userId);
    if (!known) {
      byUser.set(update.userId, { ...update, properties: { ...update.properties }, firstSeen: update.seenAt });
      continue;
    }
    Object.assign(known.properties, update.properties);
    if (update.seenAt > known.seenAt) known.seenAt = update.seenAt;
    if (update.seenAt < known.firstSeen) known.firstSeen = update.seenAt;
  }
  return [...byUser.values()];
}

export class ProfileRepository {
  private readonly model: Model<ProfileRecord>;

  constructor(connection: Connection) {
    this.model = connection.model<ProfileRecord>('Profile', profileSchema, 'profiles');
  }

  /** Merges properties into each user's profile (creating it), keeping first and last seen times. */
  async merge(updates: ProfileUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const operations = mergeByUser(updates).map((u) => {
      const set = Object.fromEntries(Object.entries(u.properties).map(([k, v]) => [`properties.${k}`, v]));
      // An empty $set is an error on some servers, so it is left out when there is nothing to set.
      const update = { ...(Object.keys(set).length > 0 && { $set: set }), $min: { firstSeen: u.firstSeen }, $max: { lastSeen: u.seenAt } };
      return { updateOne: { filter: { _id: u.userId }, update, upsert: true } };
    });
    await this.model.bulkWrite(operations, { ordered: false });
  }

  async get(userId: string): Promise<ProfileRecord | null> {
    return this.model.findById(userId).lean<ProfileRecord>();
  }

  /** The valid IANA zones held in a profile property, for grouping users by local time. */
  async timeZonesIn(property: string): Promise<string[]> {
    const values: unknown[] = await this.model.distinct(`properties.${property}`);
    return values.filter((v): v is string => typeof v === 'string' && isTimeZone(v));
  }
}

import { Schema, type Connection, type Model } from 'mongoose';
import { sharedInsertsInto, SharedReads, type SharedInserts } from './shared-commands';
import { GuessOutcomes } from './guess-outcomes';
import type { DirectoryPlace, ProfileDirectory } from './profile-directory';
import type { PropertyCatalog } from './property-catalog';
import { decodeRecord, encodeRecord } from './stored-value';

export interface ProfileRecord {
  _id: string;
  // Validated by the event schema before it gets here.
  properties: Record<string, unknown>;
  firstSeen: Date;
  lastSeen: Date;
  /** Where the profile directory lists the user (absent on profiles registered before it was kept here). */
  directory?: DirectoryPlace;
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
    directory: { type: { lane: Number, seq: Number, _id: false }, default: undefined },
  },
  { versionKey: false, minimize: false },
);
// Serve user.firstSeen / user.lastSeen conditions; property conditions scan profiles in _id order.
profileSchema.index({ firstSeen: 1 });
profileSchema.index({ lastSeen: 1 });

type MergedUpdate = ProfileUpdate & { firstSeen: Date };

/** Update statements per command; FerretDB 1.24 takes minutes over a few hundred in one. */
const UPDATE_GROUP = 50;
/** Profiles read per command: the embedded FerretDB narrows an $in of up to 1,000 ids by index. */
const READ_GROUP = 500;
/** Merges of at most this many users may guess them new; a batch's one read costs little per user. */
const GUESS_AT_MOST = 10;
/**
 * A guess that a user is new saves the read; a wrong one costs a directory entry taken back, an
 * insert that fails and the read after all (about three commands more): it pays while at most
 * a fifth of recent guesses lose.
 */
const BEARABLE_LOST_GUESSES = 0.2;
/** lastSeen is kept to this resolution, so a user's every event does not rewrite the profile. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

/** Folds several updates of one user into one, so a batch writes each profile once. */
function mergeByUser(updates: ProfileUpdate[]): MergedUpdate[] {
  const byUser = new Map<string, MergedUpdate>();
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

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Whether writing `u` would change the stored profile `p` (lastSeen only past its resolution). */
function changesProfile(p: ProfileRecord, u: MergedUpdate): boolean {
  return (
    Object.entries(u.properties).some(([k, v]) => !sameValue(p.properties[k], v)) ||
    u.firstSeen < p.firstSeen ||
    u.seenAt.getTime() - p.lastSeen.getTime() >= LAST_SEEN_RESOLUTION_MS
  );
}

function upsertOf(u: MergedUpdate) {
  const set = Object.fromEntries(Object.entries(u.properties).map(([k, v]) => [`properties.${k}`, v]));
  // An empty $set is an error on some servers, so it is left out when there is nothing to set.
  const update = {
    ...(Object.keys(set).length > 0 && { $set: set }),
    $min: { firstSeen: u.firstSeen },
    $max: { lastSeen: u.seenAt },
  };
  return { updateOne: { filter: { _id: u.userId }, update, upsert: true } };
}

export class ProfileRepository {
  private readonly model: Model<ProfileRecord>;
  /** Concurrent requests' new profiles, inserted in one command, and their reads, read in one. */
  private readonly newProfiles: SharedInserts<ProfileRecord>;
  private readonly storedProfiles = new SharedReads<ProfileRecord>((ids) => this.readAll(ids));

  /** Whether guessing a few users new has paid lately (see merge). */
  private readonly guesses = new GuessOutcomes(BEARABLE_LOST_GUESSES);

  constructor(
    connection: Connection,
    /** Where fan-out and preview find every profile; a profile is registered there before it is created. */
    private readonly directory: ProfileDirectory,
    /** Where the studio's listings and local-time fan-outs find the names and zones profiles hold. */
    private readonly catalog: PropertyCatalog,
  ) {
    this.model = connection.model<ProfileRecord>('Profile', profileSchema, 'profiles');
    this.newProfiles = sharedInsertsInto(this.model);
  }

  /**
   * Merges properties into each user's profile (creating it), keeping first and last seen
   * times. Profiles are read first, so new users are inserted in one batch and a user whose
   * profile this changes nothing in costs no write: upserts are by far the slowest write on
   * FerretDB (about 10 ms each), and most events repeat what the profile already holds. A merge
   * of a few users is tried as new profiles without the read while such guesses land here (a
   * burst of sign-ups); those that existed are then read and merged as usual.
   */
  async merge(updates: ProfileUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const merged = mergeByUser(updates.map(encodeRecord));
    const few = merged.length <= GUESS_AT_MOST;
    const guessing = few && this.guesses.worthGuessing();
    const [{ changes, existed }] = await Promise.all([
      guessing ? this.createGuessed(merged) : this.changesAfterRead(merged),
      this.catalog.noteProfiles(updates),
    ]);
    // `existed` of these users lost their guess, or would have (a read tells that too).
    if (few) for (let k = 0; k < merged.length; k++) this.guesses.record(k < existed);
    // FerretDB stalls on update commands with many statements, so they go in small groups.
    for (let i = 0; i < changes.length; i += UPDATE_GROUP) {
      await this.model.bulkWrite(changes.slice(i, i + UPDATE_GROUP).map(upsertOf), { ordered: false });
    }
  }

  /** Reads the users' profiles and creates the missing ones: the updates that change a stored profile, and how many existed. */
  private async changesAfterRead(merged: MergedUpdate[]): Promise<{ changes: MergedUpdate[]; existed: number }> {
    const known = new Map((await this.read(merged.map((u) => u.userId))).map((p) => [p._id, p]));
    const raced = await this.insertNew(merged.filter((u) => !known.has(u.userId)));
    const changed = merged.filter((u) => {
      const p = known.get(u.userId);
      return p !== undefined && changesProfile(p, u);
    });
    return { changes: [...raced, ...changed], existed: known.size };
  }

  /** Creates the users' profiles without reading first; those that existed are read and merged as usual. */
  private async createGuessed(merged: MergedUpdate[]): Promise<{ changes: MergedUpdate[]; existed: number }> {
    const existed = await this.insertNew(merged);
    if (existed.length === 0) return { changes: [], existed: 0 };
    return { changes: (await this.changesAfterRead(existed)).changes, existed: existed.length };
  }

  /** The stored profiles among these users (and perhaps others'), read with concurrent requests'. */
  private read(ids: string[]): Promise<ProfileRecord[]> {
    return this.storedProfiles.find(ids);
  }

  /**
   * The stored profiles among these users, READ_GROUP by _id in each command (a batch one
   * larger than the group, so the first reply holds them all and no getMore follows).
   */
  private async readAll(ids: string[]): Promise<ProfileRecord[]> {
    const groups = Array.from({ length: Math.ceil(ids.length / READ_GROUP) }, (_, k) =>
      ids.slice(k * READ_GROUP, (k + 1) * READ_GROUP),
    );
    const found = await Promise.all(
      groups.map((group) =>
        this.model
          .find({ _id: { $in: group } })
          .batchSize(READ_GROUP + 1)
          .lean<ProfileRecord[]>(),
      ),
    );
    return found.flat();
  }

  /** Inserts profiles of users taken for new; returns those that existed (another writer created them meanwhile). */
  private async insertNew(fresh: MergedUpdate[]): Promise<MergedUpdate[]> {
    if (fresh.length === 0) return [];
    const registered = await this.directory.add(fresh.map((u) => u.userId));
    const docs = fresh.map((u): ProfileRecord => ({
      _id: u.userId,
      properties: u.properties,
      firstSeen: u.firstSeen,
      lastSeen: u.seenAt,
      directory: registered.placeOf(u.userId),
    }));
    const existed = await this.newProfiles.insert(docs);
    const raced = fresh.filter((_, i) => existed.has(i));
    if (raced.length > 0) await registered.release(raced.map((u) => u.userId));
    return raced;
  }

  async get(userId: string): Promise<ProfileRecord | null> {
    return decodeRecord(await this.model.findById(userId).lean<ProfileRecord>());
  }

  /** The valid IANA zones held in a profile property, for grouping users by local time. */
  timeZonesIn(property: string): Promise<string[]> {
    return this.catalog.zones(property);
  }

  /** The property names profiles hold, sorted, for listing what templates can use. */
  propertyNames(): Promise<string[]> {
    return this.catalog.profileNames();
  }
}

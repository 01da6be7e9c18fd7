import type { Connection } from 'mongoose';
import { isTimeZone } from '../domain/local-time';
import { isDuplicateKey } from './duplicate-key';
import { decodeRecord } from './stored-value';

/**
 * What the stored data holds, for listings that must not read all of it: the property names of
 * profiles and of each event name (what a template can use), and the time zones each profile
 * property holds (a local-time fan-out makes one phase per zone). Kept as the data is written,
 * one document per listing read by _id: FerretDB on SQLite answers a `distinct`, or a sort over
 * `profiles` or `events`, by reading the whole collection.
 *
 * A process writes a value only the first time it sees it ($addToSet makes the other processes'
 * repeats harmless), so once warm, writing data writes nothing here. A value stays listed when no
 * record holds it any more: a name a template no longer finds renders empty, a zone nobody is in
 * makes a phase that enters nobody.
 */

interface CatalogEntry {
  _id: string;
  values: string[];
}

/** Values kept per listing: a product inventing property names per user lists the first ones. */
const MAX_VALUES = 1_000;
/** Listings this process remembers what it wrote to, beyond which it forgets (and may write again). */
const MAX_REMEMBERED = 10_000;
/** Marks that the profiles stored before the catalog existed were noted (see `migrate`). */
const MIGRATION_MARK = 'migrated:profiles';

const PROFILE_NAMES = 'profile-properties';
const eventNames = (name: string) => `event-properties:${name}`;
const zonesOf = (property: string) => `zones:${property}`;

/** IANA names and the few bare abbreviations Intl accepts; anything else is not tried. */
const ZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;
const zoneChecks = new Map<string, boolean>();

/** Whether a property value names a time zone; Intl's answer is remembered, as asking it throws for most strings. */
function isZoneValue(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 64 || !ZONE_SHAPE.test(value)) return false;
  let valid = zoneChecks.get(value);
  if (valid === undefined) {
    if (zoneChecks.size >= MAX_REMEMBERED) zoneChecks.clear();
    valid = isTimeZone(value);
    zoneChecks.set(value, valid);
  }
  return valid;
}

function addTo<K>(groups: Map<K, Set<string>>, key: K, value: string): void {
  const group = groups.get(key);
  if (group) group.add(value);
  else groups.set(key, new Set([value]));
}

export class PropertyCatalog {
  private readonly written = new Map<string, Set<string>>();

  constructor(private readonly connection: Connection) {}

  private get entries() {
    return this.connection.collection<CatalogEntry>('property_catalog');
  }

  /** Notes the names and zones of profile properties about to be stored (keys as the API received them). */
  async noteProfiles(updates: Array<{ properties: Record<string, unknown> }>): Promise<void> {
    const listings = new Map<string, Set<string>>();
    for (const { properties } of updates)
      for (const [key, value] of Object.entries(properties)) {
        addTo(listings, PROFILE_NAMES, key);
        if (isZoneValue(value)) addTo(listings, zonesOf(key), value);
      }
    await Promise.all([...listings].map(([id, values]) => this.note(id, values)));
  }

  /** Notes the property names of events about to be stored, per event name. */
  async noteEvents(events: Array<{ name: string; properties: Record<string, unknown> }>): Promise<void> {
    const listings = new Map<string, Set<string>>();
    for (const { name, properties } of events)
      for (const key of Object.keys(properties)) addTo(listings, eventNames(name), key);
    await Promise.all([...listings].map(([id, values]) => this.note(id, values)));
  }

  /** Property names profiles hold, sorted. */
  profileNames(): Promise<string[]> {
    return this.list(PROFILE_NAMES);
  }

  /** Property names events of this name carry, sorted. */
  eventNames(name: string): Promise<string[]> {
    return this.list(eventNames(name));
  }

  /** The valid time zones profiles hold in `property`, sorted. */
  zones(property: string): Promise<string[]> {
    return this.list(zonesOf(property));
  }

  /**
   * Notes the profiles stored before the catalog existed, once (a marker records it); every
   * process may run it on start, as notes repeat harmlessly. Reads `profiles` once.
   */
  async migrate(): Promise<void> {
    if (await this.entries.findOne({ _id: MIGRATION_MARK })) return;
    const profiles = this.connection
      .collection<{ _id: string; properties?: Record<string, unknown> }>('profiles')
      .find({}, { projection: { properties: 1 }, batchSize: 1_000 });
    let page: Array<{ properties: Record<string, unknown> }> = [];
    for await (const profile of profiles) {
      page.push(decodeRecord({ properties: profile.properties ?? {} }));
      if (page.length < 1_000) continue;
      await this.noteProfiles(page);
      page = [];
    }
    await this.noteProfiles(page);
    await this.add(MIGRATION_MARK, []);
  }

  private async list(id: string): Promise<string[]> {
    const entry = await this.entries.findOne({ _id: id });
    return [...(entry?.values ?? [])].sort();
  }

  private async note(id: string, values: Set<string>): Promise<void> {
    let written = this.written.get(id);
    if (!written) {
      if (this.written.size >= MAX_REMEMBERED) this.written.clear();
      written = new Set();
      this.written.set(id, written);
    }
    const fresh = [...values].filter((v) => !written.has(v)).slice(0, Math.max(0, MAX_VALUES - written.size));
    if (fresh.length === 0) return;
    await this.add(id, fresh);
    for (const v of fresh) written.add(v);
  }

  /** Adds values to a listing, creating it: of two writers creating it at once, the loser adds to the winner's. */
  private async add(id: string, values: string[]): Promise<void> {
    const update = () =>
      this.entries.updateOne({ _id: id }, { $addToSet: { values: { $each: values } } }, { upsert: true });
    try {
      await update();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await update();
    }
  }
}

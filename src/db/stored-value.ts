// The form users' JSON values (event and profile properties, campaign definitions) take in the
// database, so that FerretDB 1.x and MongoDB both keep them and they read back as sent:
// - FerretDB refuses an array directly inside an array ("nested arrays are not supported").
//   Such an inner array is stored as an object holding its items under "0", "1", ... and its
//   length under the marker key "~array": a dotted path such as `path.0.1` still reaches the same
//   item, so condition queries on items keep working.
// - Both refuse or mangle keys starting with "$" or holding "."; FerretDB refuses them anywhere.
//   Those characters and the escape character "~" itself are stored as "~24", "~2E" and "~7E".
// - FerretDB refuses an update path whose field name starts or ends with white space ("contains
//   an empty field name"), so a profile property named " a" could not be set. White space at
//   either end of a key is escaped too: "~20" for a space, "~u3000" beyond Latin-1.
//   Plain names, the only keys conditions address ([A-Za-z0-9_-]), are stored unchanged; an
//   escaped key always has "~" before two hex digits or "u" and four, so "~array" can only be
//   the marker.
// What else FerretDB changes and what Hookway does about it: docs/ferretdb-differences.md. Pure.

import { STORED_ARRAY_MARKER } from '../domain/paths';

const MARKER = STORED_ARRAY_MARKER;
const ESCAPED = /[~.$]/g;
/** White space as JavaScript knows it, and U+0085, which Go's unicode.IsSpace (FerretDB's) adds. */
const EDGE_SPACE = /^[\s\u0085]+|[\s\u0085]+$/g;
const ESCAPE = /~(?:u([0-9A-F]{4})|([0-9A-F]{2}))/g;

function escapeChar(c: string): string {
  const hex = c.charCodeAt(0).toString(16).toUpperCase();
  return hex.length <= 2 ? `~${hex.padStart(2, '0')}` : `~u${hex.padStart(4, '0')}`;
}

function escapeKey(key: string): string {
  return key.replace(ESCAPED, escapeChar).replace(EDGE_SPACE, (run) => [...run].map(escapeChar).join(''));
}

function unescapeKey(key: string): string {
  return key.replace(ESCAPE, (_, wide: string | undefined, narrow: string | undefined) =>
    String.fromCharCode(parseInt(wide ?? narrow!, 16)),
  );
}

function mapObject(
  value: Record<string, unknown>,
  key: (k: string) => string,
  inner: (v: unknown) => unknown,
): Record<string, unknown> {
  // defineProperty, so that a key such as "__proto__" (refused upstream, but cheap to be safe) stays data.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, key(k), { value: inner(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** JSON objects only: a Date or an ObjectId a driver hands back is no user's JSON and stays as it is. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encodeValue(value: unknown, inArray: boolean): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => encodeValue(item, true));
    if (!inArray) return items;
    return { ...Object.fromEntries(items.map((item, i) => [String(i), item])), [MARKER]: items.length };
  }
  if (isPlainObject(value)) {
    return mapObject(value, escapeKey, (v) => encodeValue(v, false));
  }
  return value;
}

function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (!isPlainObject(value)) return value;
  if (Object.prototype.hasOwnProperty.call(value, MARKER) && typeof value[MARKER] === 'number') {
    return Array.from({ length: value[MARKER] }, (_, i) => decodeValue(value[String(i)]));
  }
  return mapObject(value, unescapeKey, decodeValue);
}

/** The stored form of a user's JSON object (properties, a campaign definition), for a write. */
export function encodeStored<T extends object | undefined>(value: T): T {
  return (value === undefined ? undefined : encodeValue(value, false)) as T;
}

/** The JSON object a user sent, from its stored form (after a read). */
export function decodeStored<T extends object | undefined>(value: T): T {
  return (value === undefined ? undefined : decodeValue(value)) as T;
}

/** A record (event, profile, profile update) with its properties in their stored form. */
export function encodeRecord<T extends { properties?: Record<string, unknown> }>(record: T): T {
  return { ...record, properties: encodeStored(record.properties) };
}

/** A record read from the database, with its properties as the user sent them. */
export function decodeRecord<T extends { properties?: Record<string, unknown> } | null>(record: T): T {
  return record === null ? record : { ...record, properties: decodeStored(record.properties) };
}

// Property paths such as `user.properties.tier` address values in a journey's scope. Only
// own properties are read, and prototype keys are refused, so a path can never reach
// Object.prototype. Pure: imported by workflows.

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a user-supplied object key is unsafe to store or address, or undefined when it is fine. */
export function unsafeKeyReason(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.length > 128) return 'must be at most 128 characters';
  if (key.startsWith('$')) return 'must not start with "$"';
  if (key.includes('.')) return 'must not contain "."';
  if (FORBIDDEN_KEYS.has(key)) return `"${key}" is a reserved name`;
  return undefined;
}

/**
 * Where the stored form of users' JSON (src/db/stored-value.ts) keeps the length of an array that
 * sits directly inside an array, as an object with its items under "0", "1", ...; condition
 * queries need it to tell such an object from the user's own.
 */
export const STORED_ARRAY_MARKER = '~array';

/** How conditions read an array: by index only ("tags.0", never "tags.length"), as MongoDB reads a path. */
export const ARRAY_INDEX = /^(0|[1-9]\d{0,8})$/;

export function readPath(scope: unknown, path: string, opts: { arraysByIndexOnly?: boolean } = {}): unknown {
  let value: unknown = scope;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || FORBIDDEN_KEYS.has(key)) return undefined;
    if (opts.arraysByIndexOnly && Array.isArray(value) && !ARRAY_INDEX.test(key)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

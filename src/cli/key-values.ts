import { InvalidArgumentError } from 'commander';

/** A value as typed: JSON when it parses (5, true, {"a":1}), else the text itself (+8210…, hello). */
function typedValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Collects repeated `key=value` options into an object; the first "=" separates them. */
export function collectKeyValue(entry: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const at = entry.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`"${entry}" is not key=value`);
  return { ...previous, [entry.slice(0, at)]: typedValue(entry.slice(at + 1)) };
}

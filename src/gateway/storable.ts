// Checks every request body once, before its schema, for what neither database can keep as
// sent: the driver refuses a key holding NUL (a 500 before this check), and encodes a lone
// UTF-16 surrogate as U+FFFD, so the value would read back changed. Depth is bounded too, both
// for the schemas' recursion and for MongoDB's limit of 100 nested levels per document.

export const MAX_DEPTH = 64;

export interface Unstorable {
  path: string;
  reason: string;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringProblem(text: string, what: 'key' | 'string'): string | undefined {
  if (LONE_SURROGATE.test(text)) return `${what} is not well-formed Unicode (it holds a lone surrogate)`;
  if (what === 'key' && text.includes('\u0000')) return 'key must not contain the NUL character';
  return undefined;
}

/** The first place in a parsed JSON body the databases cannot keep faithfully, if any. Iterative: a body may be deep. */
export function findUnstorable(body: unknown): Unstorable | undefined {
  const stack: Array<[unknown, string[]]> = [[body, []]];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    const at = path.join('.') || '(root)';
    if (typeof current === 'string') {
      const reason = stringProblem(current, 'string');
      if (reason) return { path: at, reason };
    }
    if (current === null || typeof current !== 'object') continue;
    if (path.length >= MAX_DEPTH) return { path: at, reason: `nested more than ${MAX_DEPTH} levels deep` };
    for (const [key, inner] of Object.entries(current)) {
      const reason = stringProblem(key, 'key');
      if (reason) return { path: [...path, key.replace(/[\p{Cc}\p{Cs}]/gu, '?')].join('.'), reason };
      stack.push([inner, [...path, key]]);
    }
  }
  return undefined;
}

// HTTP header names as campaigns and destinations may set them. RFC 9110 allows "." and "$" in
// a name, but headers are stored as object keys (in destinations and rendered deliveries) and
// FerretDB refuses a key holding "." or starting with "$"; no real header needs either.
const HTTP_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

/** Why a header name cannot be used, or undefined when it can. */
export function headerNameProblem(name: string): string | undefined {
  if (!HTTP_TOKEN.test(name)) return 'must be a valid HTTP header name';
  if (name.includes('.') || name.startsWith('$'))
    return 'must not hold "." or start with "$" (the database cannot keep such a key)';
  return undefined;
}

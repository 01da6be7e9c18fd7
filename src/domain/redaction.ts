// What API answers and logs may show of a request or a destination: header names and the URL's
// origin and path. Header values and query strings often carry credentials under names no list
// can foresee (X-Session, Api-Credential, ?token=…), so values are hidden by default.

export const REDACTED = '[redacted]';

// Header names that usually carry a credential. A credential belongs in a destination, where it
// is stored once, hidden from API answers and never written into a campaign or its journeys.
const CREDENTIAL_NAME =
  /authorization|cookie|token|secret|key|signature|password|passwd|credential|auth|session|access/i;

export function looksLikeCredential(headerName: string): boolean {
  return CREDENTIAL_NAME.test(headerName);
}

/** Every value hidden: a destination's headers are configuration, and any of them may be a credential. */
export function redactAllHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED]));
}

/** Values of credential-looking headers hidden: a step's own headers, which hold no literal credential. */
export function redactCredentialHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, looksLikeCredential(name) ? REDACTED : value]),
  );
}

/** The URL without user info, fragment or query values: `https://h/p?token=[redacted]`. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return REDACTED;
  }
  const keys = [...new Set(url.searchParams.keys())];
  const query = keys.length > 0 ? `?${keys.map((key) => `${encodeURIComponent(key)}=${REDACTED}`).join('&')}` : '';
  return `${url.protocol}//${url.host}${url.pathname}${query}`;
}

/** A request as API answers show it; the destination's headers, added when sending, appear with hidden values. */
export function redactRequest<T extends { url: string; headers: Record<string, string> }>(
  request: T,
  destinationHeaders: Record<string, string> = {},
): T {
  return {
    ...request,
    url: redactUrl(request.url),
    headers: { ...redactAllHeaders(destinationHeaders), ...redactCredentialHeaders(request.headers) },
  };
}

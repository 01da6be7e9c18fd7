// The API with the key the user typed; the key lives in sessionStorage only (gone when the tab closes).

export const KEY_STORAGE = 'hookway.apiKey';

export class Unauthorized extends Error {}

/** An API answer that is not 2xx: its status, message and the fields it names (issues). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.issues = body?.error?.issues ?? [];
  }
}

const listeners = [];

/** Called with no argument when a request is refused for its key. */
export function onUnauthorized(listener) {
  listeners.push(listener);
}

export async function api(method, path, body) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE)}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    listeners.forEach((listener) => listener());
    throw new Unauthorized('the API key was refused');
  }
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);

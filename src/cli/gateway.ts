// The gateway's HTTP API as the CLI uses it: bearer auth, JSON in and out, and API errors
// turned into ApiError so that a 400 prints each issue's path and message.
import { ApiError, CliError, type ApiIssue } from './errors';

type QueryValue = string | number | boolean | undefined;

export function withQuery(path: string, params: Record<string, QueryValue>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

interface ErrorBody {
  error?: { code?: string; message?: string; issues?: ApiIssue[] };
}

export class GatewayClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      // fetch hides the reason (ECONNREFUSED, ENOTFOUND) in its cause.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach the gateway at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message} (set --url or HOOKWAY_URL)`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed as T;
    const error = (parsed as ErrorBody | undefined)?.error;
    const hint = response.status === 401 ? ' (check --api-key or HOOKWAY_API_KEY)' : '';
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      `${error?.message ?? `${method} ${path} answered ${response.status}`}${hint}`,
      error?.issues ?? [],
    );
  }
}

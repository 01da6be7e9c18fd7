import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { AddressRefusedError, checkLiteralHost, guardedLookup, type AddressPolicy } from './address-guard';
import { PinnedProxyAgent } from './proxy-agent';
import { signatureHeader } from './signature';

export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface SendContext {
  webhookId: string;
  /** Active signing secrets; two during a rotation. None: the request goes unsigned. */
  secrets: string[];
  /** The Authorization header value from the destination's auth, never logged or stored. */
  authorization?: string;
  /** The destination's headers, under the request's own; never stored with a delivery. */
  headers?: Record<string, string>;
  /** The whole attempt's deadline: connecting, sending, and reading the full response. */
  timeoutMs: number;
  /** Aborts the attempt when its activity is cancelled. */
  cancelled?: AbortSignal;
}

export type SendOutcome =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: string; latencyMs: number }
  | { kind: 'error'; errorClass: 'timeout' | 'connection' | 'address_refused'; message: string; latencyMs: number };

/** Responses are read up to this size; a larger one is a failed attempt, not a memory spike. */
export const MAX_RESPONSE_BYTES = 256 * 1024;

function flatHeaders(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v)]),
  );
}

/**
 * Makes one HTTP attempt of a webhook, signed per Standard Webhooks, through the SSRF guard
 * (the host is resolved once and the connection goes to the checked address), never
 * following redirects. Every way it can end is a SendOutcome; it throws only the caller's
 * cancellation reason, once `cancelled` aborts it.
 */
export class WebhookSender {
  private readonly http: AxiosInstance;

  /** `proxy`: HOOKWAY_WEBHOOK_PROXY, through which every attempt goes to the address the guard checked. */
  constructor(
    private readonly policy: AddressPolicy,
    proxy?: string,
  ) {
    const through = proxy ? new PinnedProxyAgent(proxy, policy) : undefined;
    this.http = axios.create({
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxContentLength: MAX_RESPONSE_BYTES,
      // An environment proxy (HTTP_PROXY, HTTPS_PROXY) would receive the request instead of the
      // target, and the guard would check only the proxy's address: webhooks never use one.
      proxy: false,
      // Own agents: a kept-alive socket skips `lookup`, so webhook sends must never share a pool
      // with connections that other code opened without the guard.
      httpAgent: through ?? new http.Agent({ keepAlive: true, lookup: guardedLookup(policy) }),
      httpsAgent: through ?? new https.Agent({ keepAlive: true, lookup: guardedLookup(policy) }),
    });
  }

  async send(request: OutgoingRequest, context: SendContext): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timestamp = Math.floor(Date.now() / 1000);
    const body = request.body ?? '';
    // axios's own `timeout` measures idle time: a receiver dripping a byte at a time would hold the attempt for ever.
    const deadline = AbortSignal.timeout(context.timeoutMs);
    const signal = context.cancelled ? AbortSignal.any([deadline, context.cancelled]) : deadline;
    try {
      checkLiteralHost(new URL(request.url), this.policy);
      const response = await this.http.request<string>({
        method: request.method,
        url: request.url,
        data: request.body,
        signal,
        headers: {
          'user-agent': 'Hookway/0.1',
          ...(request.body !== undefined && { 'content-type': 'application/json' }),
          ...context.headers,
          ...request.headers,
          ...(context.authorization && { authorization: context.authorization }),
          'webhook-id': context.webhookId,
          'webhook-timestamp': String(timestamp),
          ...(context.secrets.length > 0 && {
            'webhook-signature': signatureHeader(context.secrets, context.webhookId, timestamp, body),
          }),
        },
      });
      return {
        kind: 'response',
        status: response.status,
        headers: flatHeaders(response.headers as Record<string, unknown>),
        body: typeof response.data === 'string' ? response.data : '',
        latencyMs: elapsed(),
      };
    } catch (err) {
      const latencyMs = elapsed();
      if (context.cancelled?.aborted) throw context.cancelled.reason;
      const cause = axios.isAxiosError(err) ? (err.cause ?? err) : err;
      if (cause instanceof AddressRefusedError || err instanceof AddressRefusedError) {
        return { kind: 'error', errorClass: 'address_refused', message: (cause as Error).message, latencyMs };
      }
      if (deadline.aborted || (axios.isAxiosError(err) && (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT'))) {
        return { kind: 'error', errorClass: 'timeout', message: `no answer within ${context.timeoutMs} ms`, latencyMs };
      }
      const code = axios.isAxiosError(err) ? err.code : undefined;
      return {
        kind: 'error',
        errorClass: 'connection',
        message: `${code ?? 'ERROR'}: ${err instanceof Error ? err.message : String(err)}`,
        latencyMs,
      };
    }
  }
}

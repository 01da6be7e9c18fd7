import { ApplicationFailure, Context } from '@temporalio/activity';
import axios, { type AxiosResponse } from 'axios';
import { performance } from 'node:perf_hooks';
import type { DeliveryKey, DeliveryRepository } from '../src/db/deliveries';
import type { ProfileRepository } from '../src/db/profiles';
import { retryAfterMs } from '../src/domain/retry-after';
import { renderRequest, TemplateError, type RenderedRequest, type RequestTemplate } from '../src/domain/template';
import { CONNECTION_FAILED, HTTP_REJECTED, HTTP_RETRYABLE, TEMPLATE_FAILED } from '../src/domain/webhook-errors';
import type { Logger } from '../src/logger';
import type { JourneyRef } from '../src/domain/scope';
import { loadScope } from './scope';

export interface SendWebhookInput extends JourneyRef {
  key: DeliveryKey;
  request: RequestTemplate;
}

export interface WebhookDeps {
  profiles: ProfileRepository;
  deliveries: DeliveryRepository;
  timeoutMs: number;
  logger: Logger;
}

const MAX_RESPONSE_BYTES = 256 * 1024;
const EXCERPT_CHARS = 512;

/** The URL as the delivery log keeps it: no credentials and no query string, which may hold keys. */
function loggableUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function createWebhookActivities(deps: WebhookDeps) {
  const http = axios.create({
    timeout: deps.timeoutMs,
    maxRedirects: 0,
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxContentLength: MAX_RESPONSE_BYTES,
  });

  async function send(rendered: RenderedRequest, webhookId: string): Promise<AxiosResponse<string>> {
    return http.request({
      method: rendered.method,
      url: rendered.url,
      data: rendered.body,
      headers: {
        'user-agent': 'Hookway/0.1',
        ...(rendered.body !== undefined && { 'content-type': 'application/json' }),
        ...rendered.headers,
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      },
    });
  }

  return {
    /** One attempt at one webhook; Temporal retries it by the journey's retry policy. */
    async sendWebhook(input: SendWebhookInput): Promise<{ status: number }> {
      const { key } = input;
      const attempt = Context.current().info.attempt;
      const log = deps.logger.child({ webhookId: key._id, journeyId: key.journeyId, campaignId: key.campaignId, attempt });
      const at = new Date();

      let rendered: RenderedRequest;
      try {
        rendered = renderRequest(input.request, await loadScope(deps.profiles, input));
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        await deps.deliveries.recordAttempt(key, undefined, { attempt, at, latencyMs: 0, error: `template: ${err.message}` }, 'failed', err.message);
        log.warn({ err: err.message }, 'webhook template failed');
        throw ApplicationFailure.nonRetryable(`template: ${err.message}`, TEMPLATE_FAILED);
      }

      const request = { method: rendered.method, url: loggableUrl(rendered.url) };
      const started = performance.now();
      let response: AxiosResponse<string>;
      try {
        response = await send(rendered, key._id);
      } catch (err) {
        const latencyMs = Math.round(performance.now() - started);
        const error = axios.isAxiosError(err) ? `${err.code ?? 'ERROR'}: ${err.message}` : String(err);
        await deps.deliveries.recordAttempt(key, request, { attempt, at, latencyMs, error }, 'retrying', error);
        log.info({ error, latencyMs }, 'webhook attempt failed to connect');
        throw ApplicationFailure.create({ message: error, type: CONNECTION_FAILED });
      }

      const latencyMs = Math.round(performance.now() - started);
      const { status } = response;
      const responseExcerpt = typeof response.data === 'string' ? response.data.slice(0, EXCERPT_CHARS) : undefined;
      const result = { attempt, at, latencyMs, status, responseExcerpt };
      if (status >= 200 && status < 300) {
        await deps.deliveries.recordAttempt(key, request, result, 'succeeded');
        log.info({ status, latencyMs }, 'webhook delivered');
        return { status };
      }
      const error = `HTTP ${status}`;
      if (!isRetryableStatus(status)) {
        await deps.deliveries.recordAttempt(key, request, { ...result, error }, 'failed', error);
        log.warn({ status, latencyMs }, 'webhook rejected');
        throw ApplicationFailure.nonRetryable(error, HTTP_REJECTED);
      }
      await deps.deliveries.recordAttempt(key, request, { ...result, error }, 'retrying', error);
      log.info({ status, latencyMs }, 'webhook attempt failed, will retry');
      const header = response.headers['retry-after'];
      throw ApplicationFailure.create({
        message: error,
        type: HTTP_RETRYABLE,
        nextRetryDelay: retryAfterMs(typeof header === 'string' ? header : undefined, Date.now()),
      });
    },

    /** Called by the journey when a webhook's retries are exhausted or it was refused for good. */
    async markDeliveryFailed(input: { key: DeliveryKey; error: string }): Promise<void> {
      await deps.deliveries.markFailed(input.key, input.error);
    },
  };
}

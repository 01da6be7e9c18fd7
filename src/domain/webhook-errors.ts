// Failure types a webhook send can end with. Shared by the activities that throw them and the
// workflow whose retry policy must not retry the permanent ones.

/** The receiver refused the request (3xx, or 4xx other than 408, 410 and 429): retrying cannot help. */
export const HTTP_REJECTED = 'HttpRejected';
/** The request could not be rendered (missing variable, bad URL, too large): retrying cannot help. */
export const TEMPLATE_FAILED = 'TemplateFailed';
/** The target resolves to an address Hookway may not reach (loopback, private, metadata). */
export const ADDRESS_REFUSED = 'AddressRefused';
/** The receiver answered `webhook-delivery: abort`: it asked us to stop. */
export const DELIVERY_ABORTED = 'DeliveryAborted';
/** The destination is disabled (410 Gone, failing too long, or missing). */
export const DESTINATION_DISABLED = 'DestinationDisabled';
/** Every attempt of the retry schedule failed. */
export const RETRIES_EXHAUSTED = 'RetriesExhausted';
/** The receiver answered 408, 429 or 5xx: worth another attempt. */
export const HTTP_RETRYABLE = 'HttpRetryable';
/** Timeout, refused or reset connection, DNS failure: worth another attempt. */
export const CONNECTION_FAILED = 'ConnectionFailed';
/** Not sent yet: held by the breaker, the rate limit or the concurrency limit. Not an attempt. */
export const DEFERRED = 'Deferred';

export const NON_RETRYABLE_WEBHOOK_ERRORS = [
  HTTP_REJECTED,
  TEMPLATE_FAILED,
  ADDRESS_REFUSED,
  DELIVERY_ABORTED,
  DESTINATION_DISABLED,
  RETRIES_EXHAUSTED,
] as const;

// Failure types a webhook send can end with. Shared by the activity that throws them and the
// workflow whose retry policy must not retry the permanent ones.

/** The receiver refused the request (3xx, or 4xx other than 408 and 429): retrying cannot help. */
export const HTTP_REJECTED = 'HttpRejected';
/** The request could not be rendered (missing variable, bad URL): retrying cannot help. */
export const TEMPLATE_FAILED = 'TemplateFailed';
/** The receiver answered 408, 429 or 5xx: worth another attempt. */
export const HTTP_RETRYABLE = 'HttpRetryable';
/** Timeout, refused or reset connection, DNS failure: worth another attempt. */
export const CONNECTION_FAILED = 'ConnectionFailed';

export const NON_RETRYABLE_WEBHOOK_ERRORS = [HTTP_REJECTED, TEMPLATE_FAILED] as const;

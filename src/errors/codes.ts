/**
 * Every error code the SDK raises, with the HTTP status `createHandler` answers
 * for it. This is the one place statuses live: the handler, the docs table and
 * the tests all read it.
 *
 * Never 410 (Standard Webhooks senders disable the endpoint on 410) and never 3xx.
 *
 * @example
 * import { errorStatus } from "agentref-webhooks";
 * errorStatus.INVALID_SIGNATURE; // 401
 */
export const errorStatus = {
  /** Signature headers absent or malformed: the sender retries with fresh ones. */
  MISSING_HEADERS: 401,
  INVALID_SIGNATURE: 401,
  INVALID_TIMESTAMP: 401,
  TIMESTAMP_TOO_OLD: 401,
  TIMESTAMP_TOO_NEW: 401,
  /** A misconfigured secret is our fault, not the sender's: 500 so the delivery is retried after the fix. */
  INVALID_SECRET: 500,
  BODY_TOO_LARGE: 413,
  /** The read deadline passed before the whole body arrived. */
  BODY_TIMEOUT: 408,
  /** A body parser ran before us: a deployment bug, so 500 and the sender retries after the fix. */
  BODY_ALREADY_PARSED: 500,
  /** 422 keeps the sender retrying for ~46 h: time to upgrade the SDK without losing the event. */
  INVALID_JSON: 422,
  INVALID_PAYLOAD: 422,
  UNSUPPORTED_SCHEMA_VERSION: 422,
  IN_PROGRESS: 409,
  ID_CONFLICT: 409,
  STORE_UNAVAILABLE: 503,
  ENQUEUE_FAILED: 503,
  HANDLER_FAILED: 500,
  METHOD_NOT_ALLOWED: 405,
} as const satisfies Record<string, number>;

/**
 * A machine-readable error code.
 *
 * @example
 * import type { WebhookErrorCode } from "agentref-webhooks";
 * const code: WebhookErrorCode = "INVALID_SIGNATURE";
 */
export type WebhookErrorCode = keyof typeof errorStatus;

/**
 * Codes for which a `Retry-After` header accompanies the answer.
 *
 * @example
 * import { retryAfterSeconds } from "agentref-webhooks";
 * retryAfterSeconds.STORE_UNAVAILABLE; // 5
 */
export const retryAfterSeconds: Partial<Record<WebhookErrorCode, number>> = {
  IN_PROGRESS: 30,
  ID_CONFLICT: 60,
  STORE_UNAVAILABLE: 5,
  ENQUEUE_FAILED: 5,
};

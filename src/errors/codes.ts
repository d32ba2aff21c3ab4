/**
 * Every error code with the HTTP status `createHandler` answers for it (the one place
 * statuses live). Never 410 (senders disable the endpoint on it) and never 3xx.
 * @example errorStatus.INVALID_SIGNATURE; // 401
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
  /** The `secret` resolver threw: 500, the sender retries once it is fixed or its backend is back. */
  SECRET_RESOLVER_FAILED: 500,
  BODY_TOO_LARGE: 413,
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
  /** The handler did not settle within `handlerTimeoutMs`: its claim is released so a retry runs it again. */
  HANDLER_TIMEOUT: 500,
  METHOD_NOT_ALLOWED: 405,
} as const satisfies Record<string, number>;

/**
 * A machine-readable error code.
 * @example const code: WebhookErrorCode = "INVALID_SIGNATURE";
 */
export type WebhookErrorCode = keyof typeof errorStatus;

/** The codes of each error class (`delivery`: the base `WebhookError`). */
const codesOfKind = {
  verification: ["MISSING_HEADERS", "INVALID_SIGNATURE", "INVALID_TIMESTAMP", "TIMESTAMP_TOO_OLD", "TIMESTAMP_TOO_NEW"],
  config: ["INVALID_SECRET", "SECRET_RESOLVER_FAILED"],
  body: ["BODY_TOO_LARGE", "BODY_TIMEOUT", "BODY_ALREADY_PARSED"],
  payload: ["INVALID_JSON", "INVALID_PAYLOAD", "UNSUPPORTED_SCHEMA_VERSION"],
  delivery: ["IN_PROGRESS", "ID_CONFLICT", "STORE_UNAVAILABLE", "ENQUEUE_FAILED", "HANDLER_FAILED", "HANDLER_TIMEOUT", "METHOD_NOT_ALLOWED"],
} as const satisfies Record<string, readonly WebhookErrorCode[]>;

type ErrorKind = keyof typeof codesOfKind;

export type CodeOf<K extends ErrorKind> = (typeof codesOfKind)[K][number];

// A code left out of codesOfKind is a compile error here.
true satisfies [Exclude<WebhookErrorCode, CodeOf<ErrorKind>>] extends [never] ? true : false;

/** Which error class each code belongs to, whatever path raised it. */
export const errorKind = Object.fromEntries(
  Object.entries(codesOfKind).flatMap(([kind, codes]) => codes.map((code) => [code, kind])),
) as Record<WebhookErrorCode, ErrorKind>;

/** Codes for which a `Retry-After` header accompanies the answer. */
export const retryAfterSeconds: Partial<Record<WebhookErrorCode, number>> = {
  IN_PROGRESS: 30,
  ID_CONFLICT: 60,
  STORE_UNAVAILABLE: 5,
  ENQUEUE_FAILED: 5,
};

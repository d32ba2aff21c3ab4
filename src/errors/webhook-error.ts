import { errorStatus, type WebhookErrorCode } from "./codes.js";

/**
 * One problem found in a payload: where (`path`) and what (`message`).
 *
 * @example
 * const issue: PayloadIssue = { path: ["data", "amount"], message: "Expected number, received string" };
 */
export interface PayloadIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

/**
 * Options accepted by every `WebhookError` constructor.
 *
 * @example
 * new WebhookError("INVALID_JSON", "body is not JSON", { cause: err });
 */
export interface WebhookErrorOptions {
  cause?: unknown;
  issues?: PayloadIssue[];
}

/**
 * The base class of every error this SDK throws. `code` is stable and
 * machine-readable; `status` is the HTTP status `createHandler` answers with;
 * `message` says what was wrong and how to fix it, and never contains a secret.
 *
 * @example
 * try {
 *   await verifyWebhook({ body, headers, secret });
 * } catch (err) {
 *   if (err instanceof WebhookError) console.log(err.code, err.status);
 * }
 */
export class WebhookError extends Error {
  readonly code: WebhookErrorCode;
  readonly status: number;
  /** Schema problems (for `INVALID_PAYLOAD`): each with a path and a message. */
  readonly issues: PayloadIssue[];

  constructor(code: WebhookErrorCode, message: string, options: WebhookErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WebhookError";
    this.code = code;
    this.status = errorStatus[code];
    this.issues = options.issues ?? [];
  }

  /** A JSON-safe view for logs and response bodies. */
  toJSON(): { code: WebhookErrorCode; message: string; issues?: PayloadIssue[] } {
    return this.issues.length > 0
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }
}

/**
 * A delivery failed authentication: missing headers, bad signature, timestamp
 * out of tolerance, bad secret configuration, or a body we cannot verify.
 *
 * @example
 * try { await verifyWebhook(input); }
 * catch (err) { if (err instanceof WebhookVerificationError) return new Response(null, { status: err.status }); }
 */
export class WebhookVerificationError extends WebhookError {
  constructor(code: WebhookErrorCode, message: string, options: WebhookErrorOptions = {}) {
    super(code, message, options);
    this.name = "WebhookVerificationError";
  }
}

/**
 * Tells whether a value is a `WebhookError`, also across duplicated copies of the package.
 *
 * @example
 * if (isWebhookError(err) && err.code === "ID_CONFLICT") alert(err.message);
 */
export function isWebhookError(value: unknown): value is WebhookError {
  return (
    value instanceof WebhookError ||
    (typeof value === "object" &&
      value !== null &&
      typeof (value as { code?: unknown }).code === "string" &&
      (value as { code: string }).code in errorStatus &&
      typeof (value as { status?: unknown }).status === "number")
  );
}

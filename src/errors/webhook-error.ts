import { errorKind, errorStatus, type CodeOf, type WebhookErrorCode } from "./codes.js";

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
 * new WebhookPayloadError("INVALID_JSON", "body is not JSON", { cause: err });
 */
export interface WebhookErrorOptions {
  cause?: unknown;
  issues?: PayloadIssue[];
}

/**
 * The brand every copy of this package puts on its errors (a global symbol, so the same in
 * each copy): the name of the class that built the error. The root entry and
 * `agentref-webhooks/verify` are separate bundles, each with its own copy of these classes;
 * with the brand, `instanceof` holds whichever copy threw, as it does for one copy.
 */
const BRAND = Symbol.for("agentref-webhooks.WebhookError");

type ErrorClassName = "WebhookError" | "WebhookVerificationError" | "WebhookConfigError" | "WebhookBodyError" | "WebhookPayloadError";

const ordinaryInstanceOf = (cls: Function, value: unknown): boolean => Function.prototype[Symbol.hasInstance].call(cls, value);

/** Whether `value` was built by one of these classes in any copy (by `name`, when given). */
function branded(value: unknown, name?: ErrorClassName): boolean {
  if (typeof value !== "object" || value === null) return false;
  const brand = (value as { [BRAND]?: unknown })[BRAND];
  return name === undefined ? typeof brand === "string" : brand === name;
}

/** Non-enumerable: invisible to JSON, `util.inspect`, structural equality and spreads. */
function brand(error: WebhookError, name: ErrorClassName): void {
  Object.defineProperty(error, BRAND, { value: name, configurable: true, writable: true, enumerable: false });
}

/**
 * The base class of every error this SDK throws. `code` is stable and
 * machine-readable; `status` is the HTTP status `createHandler` answers with;
 * `message` says what was wrong and how to fix it, and never contains a secret.
 * The subclass is fixed by the code (see `errorKind`), whichever path raised it.
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

  constructor(code: CodeOf<"delivery">, message: string, options?: WebhookErrorOptions);
  /** @internal subclasses pass their own codes */
  constructor(code: WebhookErrorCode, message: string, options?: WebhookErrorOptions);
  constructor(code: WebhookErrorCode, message: string, options: WebhookErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WebhookError";
    this.code = code;
    this.status = errorStatus[code];
    this.issues = options.issues ?? [];
    brand(this, "WebhookError");
  }

  /**
   * `instanceof` across copies of this package (the root entry and `agentref-webhooks/verify`
   * are separate bundles): true for any error built by a `WebhookError` class of any copy.
   * Subclasses a user writes keep the ordinary check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return ordinaryInstanceOf(this, value) || (this === WebhookError && branded(value));
  }

  /** A JSON-safe view for logs: code, message and payload issues. */
  toJSON(): { code: WebhookErrorCode; message: string; issues?: PayloadIssue[] } {
    return this.issues.length > 0
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }
}

/**
 * The request is not authentic: signature headers missing or malformed, a signature
 * that does not match, a timestamp outside the tolerance. Nothing else.
 *
 * @example
 * try { await verifyWebhook(input); }
 * catch (err) { if (err instanceof WebhookVerificationError) return new Response(null, { status: 401 }); }
 */
export class WebhookVerificationError extends WebhookError {
  declare readonly code: CodeOf<"verification">;
  constructor(code: CodeOf<"verification">, message: string, options: WebhookErrorOptions = {}) {
    super(code, message, options);
    this.name = "WebhookVerificationError";
    brand(this, "WebhookVerificationError");
  }

  /** `instanceof` across copies of this package: see `WebhookError`. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return ordinaryInstanceOf(this, value) || (this === WebhookVerificationError && branded(value, "WebhookVerificationError"));
  }
}

/**
 * The receiver's own setup is wrong: an unusable secret (`INVALID_SECRET`) or a secret
 * resolver that threw (`SECRET_RESOLVER_FAILED`). Answered 500: the sender retries after the fix.
 *
 * @example
 * try { createVerifier({ secret: "" }); }
 * catch (err) { if (err instanceof WebhookConfigError) console.error(err.message); }
 */
export class WebhookConfigError extends WebhookError {
  declare readonly code: CodeOf<"config">;
  constructor(code: CodeOf<"config">, message: string, options: WebhookErrorOptions = {}) {
    super(code, message, options);
    this.name = "WebhookConfigError";
    brand(this, "WebhookConfigError");
  }

  /** `instanceof` across copies of this package: see `WebhookError`. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return ordinaryInstanceOf(this, value) || (this === WebhookConfigError && branded(value, "WebhookConfigError"));
  }
}

/**
 * The raw body could not be had as it was sent: too large, too slow, or already
 * parsed by something before this SDK.
 *
 * @example
 * if (err instanceof WebhookBodyError && err.code === "BODY_ALREADY_PARSED") console.error(err.message);
 */
export class WebhookBodyError extends WebhookError {
  declare readonly code: CodeOf<"body">;
  constructor(code: CodeOf<"body">, message: string, options: WebhookErrorOptions = {}) {
    super(code, message, options);
    this.name = "WebhookBodyError";
    brand(this, "WebhookBodyError");
  }

  /** `instanceof` across copies of this package: see `WebhookError`. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return ordinaryInstanceOf(this, value) || (this === WebhookBodyError && branded(value, "WebhookBodyError"));
  }
}

/**
 * An authentic body this SDK cannot use: not JSON, failing the event's schema
 * (`issues` says where), or an unsupported schema version. Answered 422.
 *
 * @example
 * if (err instanceof WebhookPayloadError) console.log(err.issues);
 */
export class WebhookPayloadError extends WebhookError {
  declare readonly code: CodeOf<"payload">;
  constructor(code: CodeOf<"payload">, message: string, options: WebhookErrorOptions = {}) {
    super(code, message, options);
    this.name = "WebhookPayloadError";
    brand(this, "WebhookPayloadError");
  }

  /** `instanceof` across copies of this package: see `WebhookError`. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return ordinaryInstanceOf(this, value) || (this === WebhookPayloadError && branded(value, "WebhookPayloadError"));
  }
}

const classOf = {
  verification: WebhookVerificationError,
  config: WebhookConfigError,
  body: WebhookBodyError,
  payload: WebhookPayloadError,
  delivery: WebhookError,
} as const;

/**
 * Builds the error of the class `code` belongs to.
 *
 * @example
 * webhookError("INVALID_SIGNATURE", "no match") instanceof WebhookVerificationError; // true
 */
export function webhookError(code: WebhookErrorCode, message: string, options: WebhookErrorOptions = {}): WebhookError {
  return new (classOf[errorKind[code]] as new (code: WebhookErrorCode, message: string, options: WebhookErrorOptions) => WebhookError)(
    code,
    message,
    options,
  );
}

/**
 * Tells whether a value is a `WebhookError`, also across duplicated copies of the package,
 * older ones included (which carry no brand: checked by shape).
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

const PARSED_FIX =
  "The signature covers the raw bytes, so the webhook route needs the body exactly as received. " +
  'Express: use express.raw({ type: "application/json" }) on this route instead of express.json(), or mount the route before app.use(express.json()). ' +
  "Next.js Pages Router: export const config = { api: { bodyParser: false } }. " +
  'Fastify: register the route in a scope whose content-type parser leaves the body unread and call reply.hijack(). ' +
  "Fetch handlers (Next.js App Router, Hono, Workers): pass the original Request, or await request.text(), before anything reads it.";

/**
 * `BODY_ALREADY_PARSED`, with what was found and the fix for each framework: the one
 * message every path (verifyWebhook, createHandler, the Node adapter) gives.
 *
 * @example
 * throw bodyAlreadyParsed("The request body is an object.");
 */
export function bodyAlreadyParsed(found: string): WebhookBodyError {
  return new WebhookBodyError("BODY_ALREADY_PARSED", `${found} ${PARSED_FIX}`);
}

import { errorKind, errorStatus, type CodeOf, type WebhookErrorCode } from "./codes.js";

/**
 * One problem found in a payload: where (`path`) and what (`message`).
 * @example const issue: PayloadIssue = { path: ["data", "amount"], message: "Expected number, received string" };
 */
export interface PayloadIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

export interface WebhookErrorOptions {
  cause?: unknown;
  issues?: PayloadIssue[];
}

// The root entry and `agentref-webhooks/verify` are separate bundles with their own copies of these
// classes: each brands its errors (a global symbol) with the class name, so `instanceof` holds across them.
const BRAND = Symbol.for("agentref-webhooks.WebhookError");

type ErrorClassName = "WebhookError" | "WebhookVerificationError" | "WebhookConfigError" | "WebhookBodyError" | "WebhookPayloadError";

// The built-in subclasses' brands; a user's subclass keeps the ordinary check.
const brands = new Map<Function, ErrorClassName>();

/**
 * The base class of every error this SDK throws: a stable `code`, the HTTP `status` answered, a `message` saying how to fix it.
 * @example if (err instanceof WebhookError) console.log(err.code, err.status);
 */
export class WebhookError extends Error {
  readonly code: WebhookErrorCode;
  readonly status: number;
  /** Schema problems (for `INVALID_PAYLOAD`): each with a path and a message. */
  readonly issues: PayloadIssue[];

  constructor(code: CodeOf<"delivery">, message: string, options?: WebhookErrorOptions);
  /** @internal subclasses pass their own codes and name */
  constructor(code: WebhookErrorCode, message: string, options?: WebhookErrorOptions, name?: ErrorClassName);
  constructor(code: WebhookErrorCode, message: string, options: WebhookErrorOptions = {}, name: ErrorClassName = "WebhookError") {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.code = code;
    this.status = errorStatus[code];
    this.issues = options.issues ?? [];
    // Non-enumerable: invisible to JSON, `util.inspect`, structural equality and spreads.
    Object.defineProperty(this, BRAND, { value: name, configurable: true, writable: true, enumerable: false });
  }

  /** `instanceof` across copies of this package (see the brand above); inherited by the subclasses. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const brand = (value as { [BRAND]?: unknown } | null | undefined)?.[BRAND];
    return typeof brand === "string" && (this === WebhookError || brand === brands.get(this));
  }

  /** A JSON-safe view for logs: code, message and payload issues. */
  toJSON(): { code: WebhookErrorCode; message: string; issues?: PayloadIssue[] } {
    return { code: this.code, message: this.message, ...(this.issues.length > 0 ? { issues: this.issues } : {}) };
  }
}

/**
 * Not authentic: signature headers missing or malformed, no matching signature, or a timestamp outside the tolerance.
 * @example if (err instanceof WebhookVerificationError) return new Response(null, { status: 401 });
 */
export class WebhookVerificationError extends WebhookError {
  declare readonly code: CodeOf<"verification">;
  constructor(code: CodeOf<"verification">, message: string, options?: WebhookErrorOptions) {
    super(code, message, options, "WebhookVerificationError");
  }
}

/**
 * The receiver's setup is wrong (`INVALID_SECRET`, `SECRET_RESOLVER_FAILED`). Answered 500: the sender retries after the fix.
 * @example if (err instanceof WebhookConfigError) console.error(err.message);
 */
export class WebhookConfigError extends WebhookError {
  declare readonly code: CodeOf<"config">;
  constructor(code: CodeOf<"config">, message: string, options?: WebhookErrorOptions) {
    super(code, message, options, "WebhookConfigError");
  }
}

/**
 * The raw body could not be had as sent: too large, too slow, or already parsed before this SDK.
 * @example if (err instanceof WebhookBodyError && err.code === "BODY_ALREADY_PARSED") console.error(err.message);
 */
export class WebhookBodyError extends WebhookError {
  declare readonly code: CodeOf<"body">;
  constructor(code: CodeOf<"body">, message: string, options?: WebhookErrorOptions) {
    super(code, message, options, "WebhookBodyError");
  }
}

/**
 * An authentic body this SDK cannot use: not JSON, failing the schema (`issues` says where), or an unsupported version.
 * @example if (err instanceof WebhookPayloadError) console.log(err.issues);
 */
export class WebhookPayloadError extends WebhookError {
  declare readonly code: CodeOf<"payload">;
  constructor(code: CodeOf<"payload">, message: string, options?: WebhookErrorOptions) {
    super(code, message, options, "WebhookPayloadError");
  }
}

brands
  .set(WebhookVerificationError, "WebhookVerificationError")
  .set(WebhookConfigError, "WebhookConfigError")
  .set(WebhookBodyError, "WebhookBodyError")
  .set(WebhookPayloadError, "WebhookPayloadError");

const classOf = {
  verification: WebhookVerificationError,
  config: WebhookConfigError,
  body: WebhookBodyError,
  payload: WebhookPayloadError,
  delivery: WebhookError,
} as const;

/** Builds the error of the class `code` belongs to. */
export function webhookError(code: WebhookErrorCode, message: string, options: WebhookErrorOptions = {}): WebhookError {
  const cls = classOf[errorKind[code]] as new (code: WebhookErrorCode, message: string, options: WebhookErrorOptions) => WebhookError;
  return new cls(code, message, options);
}

/**
 * Whether a value is a `WebhookError`, also from another copy of the package (unbranded older copies: by shape).
 * @example if (isWebhookError(err) && err.code === "ID_CONFLICT") alert(err.message);
 */
export function isWebhookError(value: unknown): value is WebhookError {
  const error = value as { code?: unknown; status?: unknown } | null;
  return (
    value instanceof WebhookError ||
    (typeof value === "object" && typeof error?.code === "string" && error.code in errorStatus && typeof error.status === "number")
  );
}

/** `cause` if it is a `WebhookError`, else a new `code` error that wraps it. */
export function asWebhookError(cause: unknown, code: CodeOf<"delivery">, message: string): WebhookError {
  return isWebhookError(cause) ? cause : new WebhookError(code, message, { cause });
}

/** A thrown value's message, for the error that wraps it. */
export const messageOf = (cause: unknown): string => String((cause as Error)?.message ?? cause);

const PARSED_FIX =
  "The signature covers the raw bytes, so the webhook route needs the body exactly as received. " +
  'Express: use express.raw({ type: "application/json" }) on this route instead of express.json(), or mount the route before app.use(express.json()). ' +
  "Next.js Pages Router: export const config = { api: { bodyParser: false } }. " +
  'Fastify: register the route in a scope whose content-type parser leaves the body unread and call reply.hijack(). ' +
  "Fetch handlers (Next.js App Router, Hono, Workers): pass the original Request, or await request.text(), before anything reads it.";

/** `BODY_ALREADY_PARSED` with what was found and the fix per framework: the one message every path gives. */
export function bodyAlreadyParsed(found: string): WebhookBodyError {
  return new WebhookBodyError("BODY_ALREADY_PARSED", `${found} ${PARSED_FIX}`);
}

import { platformCrypto } from "#crypto";
import { defaultLogger } from "../core/logger.js";
import type { AnyProvider } from "../core/provider.js";
import { isWebhookError, WebhookError } from "../errors/index.js";
import { eventIdOf, parseEvent } from "../events/parse.js";
import { UnknownEvent } from "../events/unknown-event.js";
import { createMemoryStore } from "../idempotency/memory.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import { agentref } from "../providers/agentref.js";
import { toHeaderGetter, type HeadersInput } from "../verify/headers.js";
import { createVerifier, type Verifier } from "../verify/index.js";
import { secretList } from "../verify/secret.js";
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, bodyTooLarge } from "./read-body.js";
import { errorResponse, outcomeResponse, type DeliveryOutcome, type DeliveryResponse } from "./responses.js";
import type { CreateHandlerOptions, HandlerContext, LifecycleInfo, SecretHints } from "./types.js";

/**
 * One delivery whose body has been read: what every adapter hands the pipeline.
 *
 * @example
 * await pipeline.process({ method: "POST", headers: req.headers, body: bytes, receivedAt: new Date() });
 */
export interface DeliveryInput {
  method: string;
  headers: HeadersInput;
  /** The raw body bytes (or string) exactly as received. */
  body: Uint8Array | string;
  receivedAt?: Date;
}

/**
 * The transport-neutral core of `createHandler`: adapters read the body within the
 * limits, call `process`, and write the `DeliveryResponse` out.
 *
 * @example
 * const pipeline = createPipeline({ secret, on: {} });
 * const { status } = await pipeline.process({ method: "POST", headers, body });
 */
export interface Pipeline {
  process(input: DeliveryInput): Promise<DeliveryResponse>;
  /** An error answer for failures before the pipeline (body too large, read timeout). */
  reject(error: WebhookError, receivedAt?: Date): DeliveryResponse;
  readonly limits: { maxBytes: number; timeoutMs: number };
}

type AnyHandler = (event: unknown, ctx: HandlerContext) => unknown;

/** Accepts one value or a list; undefined means "no filter". */
const asSet = (value: string | readonly string[] | undefined) =>
  value === undefined ? undefined : new Set(typeof value === "string" ? [value] : value);

/**
 * Builds the pipeline from `createHandler` options. Secrets are decoded and checked
 * here, once (`INVALID_SECRET` is thrown at creation, not on the first request).
 *
 * @example
 * const pipeline = createPipeline({ secret: "whsec_…", on: { "payout.failed": () => {} } });
 */
export function createPipeline<P extends AnyProvider, E extends boolean>(options: CreateHandlerOptions<P, E>): Pipeline {
  const provider: AnyProvider = options.provider ?? agentref;
  const logger = options.logger ?? defaultLogger;
  const store: IdempotencyStore = options.store ?? createMemoryStore({ logger });
  const now = options.now ?? Date.now;
  const limits = {
    maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    timeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
  };
  const environments = asSet(options.environment);
  const programs = asSet(options.programId);
  const handlers = (options.on ?? {}) as Record<string, AnyHandler | "ignore" | undefined>;
  for (const key of Object.keys(handlers)) {
    if (!provider.has(key)) {
      throw new TypeError(`createHandler: "${key}" is not a ${provider.name} event type (known: ${provider.types.join(", ")}).`);
    }
  }

  const verifierFor = verifierCache(provider, options.tolerance);
  const staticVerifier = typeof options.secret === "function" ? undefined : verifierFor(options.secret);

  const notify = (hook: ((info: LifecycleInfo) => unknown) | undefined, info: LifecycleInfo) => {
    if (!hook) return;
    // A throwing metrics hook must never change the answer the sender gets.
    try {
      const result = hook(info);
      if (result instanceof Promise) result.catch((err: unknown) => logger.warn?.("lifecycle hook failed", { err: String(err) }));
    } catch (err) {
      logger.warn?.("lifecycle hook failed", { err: String(err) });
    }
  };

  const fail = (error: WebhookError, info: DeliveryIds, started: number, outcome: LifecycleInfo["outcome"] = "rejected") => {
    const response = errorResponse(error);
    const full: LifecycleInfo = { ...info, outcome, status: response.status, durationMs: now() - started, error, reason: error.message };
    if (options.onError) {
      try {
        const r = options.onError(error, full);
        if (r instanceof Promise) r.catch(() => {});
      } catch {
        // onError is for reporting; its failure must not mask the answer.
      }
    }
    if (error.status >= 500) logger.error?.(`webhook ${error.code}`, { code: error.code, deliveryId: info.deliveryId, type: info.type });
    else logger.debug?.(`webhook ${error.code}`, { code: error.code, deliveryId: info.deliveryId, type: info.type });
    return response;
  };

  /** The answer for an outcome that is not an error, and its lifecycle hook. */
  const done = (outcome: DeliveryOutcome, base: DeliveryIds, started: number, reason?: string): DeliveryResponse => {
    const response = outcomeResponse(outcome, base.eventId, base.type, reason);
    const hook = outcome === "duplicate" ? options.onDuplicate : options.onHandled;
    if (hook) notify(hook, { ...base, outcome, status: response.status, durationMs: now() - started, ...(reason ? { reason } : {}) });
    return response;
  };

  async function process(input: DeliveryInput): Promise<DeliveryResponse> {
    const started = now();
    const receivedAt = input.receivedAt ?? new Date(started);
    const base: DeliveryIds = { deliveryId: undefined, eventId: undefined, type: undefined };
    try {
      if (input.method !== "POST") {
        return fail(new WebhookError("METHOD_NOT_ALLOWED", `Webhooks are delivered with POST, not ${input.method}.`), base, started);
      }
      const size = typeof input.body === "string" ? input.body.length : input.body.byteLength;
      if (size > limits.maxBytes) return fail(bodyTooLarge(limits.maxBytes), base, started);

      // Parsed at most once: either for the secret resolver's hints, or after verification.
      let parsedJson: { value: unknown } | undefined;
      const verifier =
        staticVerifier ??
        verifierFor(
          await (options.secret as Exclude<typeof options.secret, string | readonly string[]>)(
            secretHints(toHeaderGetter(input.headers), provider, input.body, (v) => (parsedJson = v)),
          ),
        );
      const verified = await verifier.verify({ body: input.body, headers: input.headers, now: now() });
      base.deliveryId = verified.id;

      const event = parseEvent(parsedJson ? parsedJson.value : verified.body, { provider, strict: options.strict ?? false }) as
        | Record<string, unknown>
        | UnknownEvent;
      const raw = event instanceof UnknownEvent ? event.raw : event;
      const type = event instanceof UnknownEvent ? event.type : String(raw[provider.envelope.typeKey]);
      // The envelope id is the idempotency key; providers without one fall back to the signed delivery id.
      const eventId = eventIdOf(provider, raw) ?? verified.id;
      base.type = type;
      base.eventId = eventId;
      // Hooks are optional: no info object is built for a hook that is not there (the hot path).
      if (options.onVerified) notify(options.onVerified, { ...base, outcome: "verified", status: 0, durationMs: now() - started });

      const skipped = filterReason(raw, environments, programs);
      if (skipped) return done("filtered", base, started, skipped);

      const ctx: HandlerContext = {
        deliveryId: verified.id,
        eventId,
        timestamp: verified.timestamp,
        receivedAt,
        rawBody: verified.body,
        provider: provider.name,
      };

      if (options.enqueue) {
        try {
          await options.enqueue(event as never, {
            deliveryId: ctx.deliveryId,
            eventId,
            timestamp: ctx.timestamp,
            receivedAt: receivedAt.toISOString(),
            provider: provider.name,
          });
        } catch (cause) {
          return fail(
            isWebhookError(cause) && cause.status === 503
              ? cause
              : new WebhookError("ENQUEUE_FAILED", `The event could not be enqueued (${String((cause as Error)?.message ?? cause)}); the sender will retry.`, { cause }),
            base,
            started,
            "failed",
          );
        }
        return done("accepted", base, started);
      }

      let outcome: DeliveryOutcome;
      let run: AnyHandler | undefined;
      if (event instanceof UnknownEvent) {
        outcome = "unknown";
        run = options.onUnknown as AnyHandler | undefined;
      } else {
        const handler = handlers[type];
        outcome = typeof handler === "function" ? "handled" : "unhandled";
        run = typeof handler === "function" ? handler : handler === "ignore" ? undefined : (options.onUnhandled as AnyHandler | undefined);
      }
      // Nothing to run: no side effect to protect, so no store round trip either.
      if (!run) return done(outcome, base, started);

      const key = idempotencyKey(provider, event, raw, ctx, options.idempotencyScope as ScopeFn | undefined);
      const hashed = platformCrypto.sha256Hex(input.body);
      // node:crypto answers synchronously: no extra microtask for it.
      const claim = await store.claim(key, { bodyHash: typeof hashed === "string" ? hashed : await hashed });
      if (claim.status === "completed") return done("duplicate", base, started);
      if (claim.status === "in-progress") {
        return fail(new WebhookError("IN_PROGRESS", `Event ${eventId} is being processed by another delivery; retry later.`), base, started);
      }
      if (claim.status === "conflict") {
        return fail(
          new WebhookError("ID_CONFLICT", `Event ${eventId} was received before with a different body. Not processed; investigate the sender.`),
          base,
          started,
        );
      }

      try {
        const result = run(event, ctx);
        // Awaited only when it is a promise: a synchronous handler costs no microtask.
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") await result;
      } catch (cause) {
        await store.release(key, claim.token).catch((err: unknown) => logger.warn?.("release failed; the lease will lapse", { key, err: String(err) }));
        const error = new WebhookError("HANDLER_FAILED", `The handler for ${type} threw: ${String((cause as Error)?.message ?? cause)}`, { cause });
        const response = fail(error, base, started, "failed");
        notify(options.onFailed, { ...base, outcome: "failed", status: response.status, durationMs: now() - started, error });
        return response;
      }

      try {
        const completed = await completeWithRetry(store, key, claim.token);
        if (!completed) logger.warn?.("lease lapsed before completion: the handler ran longer than leaseMs", { key });
      } catch (cause) {
        // The side effect happened but is not recorded: 503 makes the sender retry, and the
        // retry re-runs the handler once the lease lapses (at-least-once; see README).
        return fail(
          isWebhookError(cause) ? cause : new WebhookError("STORE_UNAVAILABLE", "Could not mark the event completed.", { cause }),
          base,
          started,
          "failed",
        );
      }
      return done(outcome, base, started);
    } catch (error) {
      if (isWebhookError(error)) return fail(error, base, started);
      // Anything else is a bug or a store driver error: never throw out of the handler.
      return fail(new WebhookError("STORE_UNAVAILABLE", `Unexpected failure: ${String((error as Error)?.message ?? error)}`, { cause: error }), base, started);
    }
  }

  return {
    process,
    reject: (error, receivedAt) => fail(error, { deliveryId: undefined, eventId: undefined, type: undefined }, receivedAt?.getTime() ?? now()),
    limits,
  };
}

/** What is known of a delivery so far, for hooks and logs. */
type DeliveryIds = Pick<LifecycleInfo, "deliveryId" | "eventId" | "type">;

/** Waits before each retry of `complete`: ~1.5 s in all. */
const COMPLETE_RETRY_WAITS_MS = [100, 400, 1000] as const;

/**
 * A short store blip right after the handler succeeded would otherwise re-run the
 * handler after the lease; a few quick retries (~1.5 s in all) close most of that window.
 */
async function completeWithRetry(store: IdempotencyStore, key: string, token: string): Promise<boolean> {
  for (const wait of COMPLETE_RETRY_WAITS_MS) {
    try {
      return await store.complete(key, token);
    } catch (error) {
      if (!(isWebhookError(error) && error.code === "STORE_UNAVAILABLE")) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  return store.complete(key, token);
}

type ScopeFn = (event: unknown, ctx: HandlerContext) => string | undefined;

/** `<provider>:<tenant>:<event id>`, or `<provider>:<event id>` when there is no tenant. */
function idempotencyKey(
  provider: AnyProvider,
  event: unknown,
  raw: Readonly<Record<string, unknown>>,
  ctx: HandlerContext,
  scope: ScopeFn | undefined,
): string {
  const scopeKey = provider.envelope.scopeKey;
  const tenant = scope ? scope(event, ctx) : scopeKey === undefined ? undefined : raw[scopeKey];
  // The tenant is URI-encoded so it holds no ':'; with the id last, no two (tenant, id) pairs share a key.
  return tenant === undefined || tenant === null
    ? `${provider.name}:${ctx.eventId}`
    : `${provider.name}:${encodeURIComponent(String(tenant))}:${ctx.eventId}`;
}

function filterReason(
  raw: Readonly<Record<string, unknown>>,
  environments: Set<string> | undefined,
  programs: Set<string> | undefined,
): string | undefined {
  if (environments && !environments.has(String(raw.environment))) {
    return `environment ${JSON.stringify(raw.environment)} is not in [${[...environments].join(", ")}]`;
  }
  if (programs && !(typeof raw.programId === "string" && programs.has(raw.programId))) {
    return `programId ${JSON.stringify(raw.programId ?? null)} is not in [${[...programs].join(", ")}]`;
  }
  return undefined;
}

function secretHints(
  header: (name: string) => string | undefined,
  provider: AnyProvider,
  body: Uint8Array | string,
  keep: (parsed: { value: unknown }) => void,
): SecretHints {
  let cached: { value: unknown } | undefined;
  return {
    deliveryId: provider.scheme.headerFamilies.map((family) => header(family.id)).find((id) => id !== undefined),
    header,
    envelope() {
      if (!cached) {
        try {
          cached = { value: JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)) };
          keep(cached);
        } catch {
          cached = { value: undefined };
        }
      }
      const value = cached.value;
      return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    },
  };
}

/** Verifiers keyed by their secret list: secrets are decoded and keys imported once. */
function verifierCache(provider: AnyProvider, tolerance: number | undefined) {
  const cache = new Map<string, Verifier>();
  return (secret: string | readonly string[]): Verifier => {
    // secretList turns a resolver's undefined or a non-list into INVALID_SECRET, not an obscure crash.
    const list = [...secretList(secret)];
    const key = list.join("\n");
    let verifier = cache.get(key);
    if (!verifier) {
      verifier = createVerifier({ secret: list, scheme: provider.scheme, ...(tolerance === undefined ? {} : { tolerance }) });
      if (cache.size > 64) cache.clear();
      cache.set(key, verifier);
    }
    return verifier;
  };
}

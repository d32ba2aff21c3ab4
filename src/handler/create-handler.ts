import { createMemoryStore } from "../idempotency/memory.js";
import { createFilter } from "../lifecycle/filter.js";
import { createLifecycle } from "../lifecycle/lifecycle.js";
import { createOrdering, createParking } from "../lifecycle/ordering.js";
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES } from "../lifecycle/read-body.js";
import { createRouter } from "../lifecycle/route.js";
import { DEFAULT_HANDLER_TIMEOUT_MS } from "../lifecycle/run-once.js";
import { retryWindowMs, type AnyProvider } from "../provider/define-provider.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";
import { toLogger } from "../util/logger.js";
import { positiveInteger } from "../util/options.js";
import type { CreateHandlerOptions, WebhookHandler } from "./types.js";

/**
 * Creates the receiver, Web `Request` in, `Response` out: it verifies and parses the body, applies the filters,
 * claims the event id in the store and runs the handler for the event's type. It never throws, and does no I/O
 * until the first request, so it can be created at module scope (Cloudflare Workers included).
 * @example
 * export const POST = createHandler({
 *   secret: process.env.AGENTREF_WEBHOOK_SECRET!,
 *   on: { "conversion.created": async (event) => credit(event.data.affiliateId, event.data.commissionAmount) },
 * });
 */
export function createHandler<P extends AnyProvider = AgentRefProvider, E extends boolean = false>(
  options: CreateHandlerOptions<P, E>,
): WebhookHandler {
  const provider: AnyProvider = options.provider ?? agentref;
  const logger = toLogger(options.logger);
  const store = options.store ?? createMemoryStore({ logger });
  const window = retryWindowMs(provider);
  if (store.settings.ttlMs < window) {
    logger.warn?.(
      `the idempotency store keeps records for ${store.settings.ttlMs} ms (${hours(store.settings.ttlMs)} h), but ${provider.name} ` +
        `may still deliver an event ${window} ms (${hours(window)} h) after its first attempt (its retry schedule plus tolerance), ` +
        `so a late retry would run twice. Give the store ttlMs >= ${window} (milliseconds, not seconds).`,
      { ttlMs: store.settings.ttlMs, retryWindowMs: window, provider: provider.name },
    );
  }
  if (options.ordering && options.enqueue) {
    throw new TypeError("createHandler: ordering applies to handlers run in this process; with enqueue, order in your worker (see docs/ordering-and-parking.md).");
  }
  const handle = createLifecycle({
    provider,
    secret: options.secret,
    tolerance: options.tolerance,
    strict: options.strict ?? false,
    store,
    limits: {
      maxBytes: positiveInteger("createHandler", "maxBodyBytes", options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, "bytes"),
      timeoutMs: positiveInteger("createHandler", "bodyTimeoutMs", options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS),
    },
    filter: createFilter(options),
    route: createRouter(provider, "createHandler", options),
    scope: options.idempotencyScope as never,
    enqueue: options.enqueue as never,
    hooks: options,
    logger,
    now: options.now ?? Date.now,
    handlerTimeoutMs: positiveInteger("createHandler", "handlerTimeoutMs", options.handlerTimeoutMs, DEFAULT_HANDLER_TIMEOUT_MS),
    exposeErrors: options.exposeErrors ?? false,
    telemetry: options.telemetry,
    entityOf: createOrdering(provider, options.ordering as never, store),
    lastAttempt: createParking(provider, options.parking, store),
  });
  return async (request) => {
    const result = await handle(request);
    return new Response(result.body, { status: result.status, headers: result.headers });
  };
}

const hours = (ms: number) => (ms / 3_600_000).toFixed(2);

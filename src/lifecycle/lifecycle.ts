import { platformCrypto } from "#crypto";
import { isWebhookError, WebhookError } from "../errors/index.js";
import { idempotencyKey } from "../idempotency/key.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import type { AnyProvider } from "../provider/define-provider.js";
import type { Logger } from "../util/logger.js";
import { errorResponse, outcomeResponse, type DeliveryOutcome, type DeliveryResponse } from "./answer.js";
import { createAuthenticator, receivedDelivery, type SecretOption } from "./authenticate.js";
import { Context, senderDeadline, type DeliveryMeta, type HandlerContext, type LifecycleInfo } from "./context.js";
import { decode, tenantOf } from "./decode.js";
import type { Filter } from "./filter.js";
import type { createOrdering, createParking } from "./ordering.js";
import { readRequestBody, type BodyLimits } from "./read-body.js";
import { createReporter, type Hooks } from "./report.js";
import type { Route } from "./route.js";
import { runOnce } from "./run-once.js";
import { noSpan, type DeliverySpan, type Telemetry } from "./telemetry.js";

/** Everything the lifecycle needs, resolved by `createHandler` (the provider is never a default here). */
export interface LifecycleConfig {
  provider: AnyProvider;
  secret: SecretOption;
  tolerance: number | undefined;
  strict: boolean;
  store: IdempotencyStore;
  limits: BodyLimits;
  filter: Filter;
  route: (decoded: ReturnType<typeof decode>) => Route<HandlerContext>;
  scope: ((event: never, ctx: HandlerContext) => string | undefined) | undefined;
  enqueue: ((event: never, meta: DeliveryMeta, rawBody: string) => Promise<unknown>) | undefined;
  hooks: Hooks;
  logger: Logger;
  now: () => number;
  handlerTimeoutMs: number;
  exposeErrors: boolean;
  telemetry: Telemetry | undefined;
  entityOf: ReturnType<typeof createOrdering>;
  lastAttempt: ReturnType<typeof createParking>;
}

type Ids = Pick<LifecycleInfo, "deliveryId" | "eventId" | "type">;

/** The delivery lifecycle: each step is its own module; this sequences them and answers what they throw. Never throws. */
export function createLifecycle(config: LifecycleConfig): (request: Request) => Promise<DeliveryResponse> {
  const { provider, now, hooks } = config;
  const authenticate = createAuthenticator(provider, config.secret, config.tolerance);
  const report = createReporter(hooks, config.logger);

  const answer = (span: DeliverySpan, outcome: DeliveryOutcome, ids: Ids, started: number, reason?: string): DeliveryResponse => {
    const response = outcomeResponse(outcome, ids.eventId, ids.type, reason);
    span.end({ status: response.status, outcome });
    const hook = outcome === "duplicate" ? hooks.onDuplicate : outcome === "stale" ? hooks.onStale : hooks.onHandled;
    // No info object for a hook that is not there (the hot path).
    if (hook) report.hook(hook, { ...ids, outcome, status: response.status, durationMs: now() - started, ...(reason ? { reason } : {}) });
    return response;
  };

  // Parking: the failure is logged and reported as one (onFailed), but answered 200.
  const parked = (span: DeliverySpan, error: WebhookError, ids: Ids, started: number): DeliveryResponse => {
    const reason = `parked after the last attempt failed: ${error.message}`;
    const response = outcomeResponse("parked", ids.eventId, ids.type);
    span.end({ status: response.status, outcome: "parked", error });
    const info: LifecycleInfo = { ...ids, outcome: "parked", status: response.status, durationMs: now() - started, error, reason };
    config.logger.error?.(`webhook parked: ${ids.type} ${ids.eventId}: its handler failed on the sender's last attempt; replay it with replayParked once fixed`, {
      eventId: ids.eventId,
      type: ids.type,
      err: error.cause ?? error,
    });
    report.hook(hooks.onFailed, info);
    return response;
  };

  const fail = (span: DeliverySpan, thrown: unknown, ids: Ids, started: number): DeliveryResponse => {
    const error = isWebhookError(thrown)
      ? thrown
      : new WebhookError("HANDLER_FAILED", `Unexpected failure while processing the delivery: ${String((thrown as Error)?.message ?? thrown)}`, {
          cause: thrown,
        });
    const correlationId = globalThis.crypto.randomUUID();
    const response = errorResponse(error, correlationId, config.exposeErrors);
    const failed = error.code === "HANDLER_FAILED" || error.code === "HANDLER_TIMEOUT" || error.status === 503;
    const info: LifecycleInfo = {
      ...ids,
      outcome: failed ? "failed" : "rejected",
      status: response.status,
      durationMs: now() - started,
      error,
      reason: error.message,
      correlationId,
    };
    span.end({ status: response.status, outcome: info.outcome, error });
    report.error(error, info, now());
    if (error.code === "HANDLER_FAILED" || error.code === "HANDLER_TIMEOUT") report.hook(hooks.onFailed, info);
    return response;
  };

  return async (request) => {
    const started = now();
    const receivedAt = new Date(started);
    const ids: Ids = { deliveryId: undefined, eventId: undefined, type: undefined };
    const span = config.telemetry ? config.telemetry.start("receive", { "webhook.provider": provider.name }) : noSpan;
    try {
      if (request.method !== "POST") {
        request.body?.cancel().catch(() => {});
        throw new WebhookError("METHOD_NOT_ALLOWED", `Webhooks are delivered with POST, not ${request.method}.`);
      }
      const delivery = receivedDelivery(request.headers, await readRequestBody(request, config.limits));
      const verified = await span.step("verify", () => authenticate(delivery, now()));
      ids.deliveryId = verified.id;
      const decoded = decode(provider, delivery.json(verified.body), { strict: config.strict, deliveryId: verified.id });
      ids.type = decoded.type;
      ids.eventId = decoded.eventId;
      if (config.telemetry) span.set({
        "webhook.event.type": decoded.type,
        "webhook.event.id": decoded.eventId,
        "webhook.delivery.id": verified.id,
        "webhook.attempt.timestamp": verified.timestamp,
      });
      if (hooks.onVerified) report.hook(hooks.onVerified, { ...ids, outcome: "verified", status: 0, durationMs: now() - started });

      const skipped = config.filter(decoded.raw);
      if (skipped) return answer(span, "filtered", ids, started, skipped);

      const route = config.enqueue ? undefined : config.route(decoded);
      // "ignore" is answered as unhandled: acknowledged, nothing run.
      const outcome: DeliveryOutcome = !route || route.outcome === "ignored" ? "unhandled" : route.outcome;
      // Nothing to run: no side effect to protect, so no key and no store round trip either.
      if (route && !route.run) return answer(span, outcome, ids, started);

      const sender = senderDeadline(request.signal, provider.timeoutMs, () => now() - started);
      const ctx: HandlerContext = new Context(verified.id, decoded.eventId, verified.timestamp, receivedAt, verified.body, provider.name, sender.signal);
      const scope = config.scope;
      const tenant = tenantOf(provider, decoded, scope && (() => scope(decoded.event as never, ctx)));
      const key = await idempotencyKey({ provider: provider.name, tenant, id: decoded.eventId });

      if (!route) {
        const meta: DeliveryMeta = {
          deliveryId: verified.id,
          eventId: decoded.eventId,
          key,
          timestamp: verified.timestamp,
          receivedAt: receivedAt.toISOString(),
          provider: provider.name,
          ...(config.telemetry ? { trace: span.carrier() } : {}),
        };
        try {
          await span.step("enqueue", () => config.enqueue!(decoded.event as never, meta, verified.body));
        } catch (cause) {
          throw isWebhookError(cause) && cause.status === 503
            ? cause
            : new WebhookError("ENQUEUE_FAILED", `The event could not be enqueued (${String((cause as Error)?.message ?? cause)}); the sender will retry.`, {
                cause,
              });
        }
        return answer(span, "accepted", ids, started);
      }

      const run = route.run!;
      const { store, lastAttempt } = config;
      let parkedError: WebhookError | undefined;
      try {
        const result = await runOnce({
          store,
          key,
          bodyHash: await platformCrypto.sha256Hex(delivery.body),
          run: () => run(decoded.event, ctx),
          handlerTimeoutMs: config.handlerTimeoutMs,
          logger: config.logger,
          describe: { eventId: decoded.eventId, type: decoded.type },
          span,
          entity: config.entityOf && (await config.entityOf(decoded, tenant)),
          park: !lastAttempt?.(decoded, now())
            ? undefined
            : (error) => {
              parkedError = error;
              const { eventId, type } = decoded;
              return store.park!({ key, provider: provider.name, eventId, type, body: verified.body, parkedAt: now(), reason: error.message });
            },
        });
        if (result === "parked") return parked(span, parkedError!, ids, started);
        if (result === "stale") return answer(span, "stale", ids, started, `an event of the same entity created later was already applied`);
        return answer(span, result === "duplicate" ? "duplicate" : outcome, ids, started);
      } finally {
        sender.stop();
      }
    } catch (error) {
      return fail(span, error, ids, started);
    }
  };
}

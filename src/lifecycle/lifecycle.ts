import { platformCrypto } from "#crypto";
import { asWebhookError, isWebhookError, messageOf, WebhookError } from "../errors/index.js";
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

const handlerFailed = (error: unknown): error is WebhookError =>
  isWebhookError(error) && (error.code === "HANDLER_FAILED" || error.code === "HANDLER_TIMEOUT");

/** The delivery lifecycle: each step is its own module; this sequences them and answers what they throw. Never throws. */
export function createLifecycle(config: LifecycleConfig): (request: Request) => Promise<DeliveryResponse> {
  const { provider, now, hooks } = config;
  const authenticate = createAuthenticator(provider, config.secret, config.tolerance);
  const report = createReporter(hooks, config.logger);

  const info = (ids: Ids, started: number, outcome: LifecycleInfo["outcome"], status: number, more?: Partial<LifecycleInfo>): LifecycleInfo =>
    ({ ...ids, outcome, status, durationMs: now() - started, ...more });

  // `error`: a parked failure, reported as one (onFailed) but answered 200, its message kept out of the body.
  const answer = (span: DeliverySpan, outcome: DeliveryOutcome, ids: Ids, started: number, reason?: string, error?: WebhookError) => {
    const response = outcomeResponse(outcome, ids.eventId, ids.type, error ? undefined : reason);
    span.end({ status: response.status, outcome, error });
    const hook = error ? hooks.onFailed : outcome === "duplicate" ? hooks.onDuplicate : outcome === "stale" ? hooks.onStale : hooks.onHandled;
    // No info object for a hook that is not there (the hot path).
    if (hook) {
      report.hook(hook, info(ids, started, outcome, response.status, reason === undefined ? undefined : error ? { error, reason } : { reason }));
    }
    return response;
  };

  const fail = (span: DeliverySpan, thrown: unknown, ids: Ids, started: number): DeliveryResponse => {
    const error = asWebhookError(thrown, "HANDLER_FAILED", `Unexpected failure while processing the delivery: ${messageOf(thrown)}`);
    const correlationId = globalThis.crypto.randomUUID();
    const response = errorResponse(error, correlationId, config.exposeErrors);
    const outcome = error.status === 503 || handlerFailed(error) ? "failed" : "rejected";
    const failure = info(ids, started, outcome, response.status, { error, reason: error.message, correlationId });
    span.end({ status: response.status, outcome, error });
    report.error(error, failure, now());
    if (handlerFailed(error)) report.hook(hooks.onFailed, failure);
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
      if (hooks.onVerified) report.hook(hooks.onVerified, info(ids, started, "verified", 0));

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
        await span.step("enqueue", () => config.enqueue!(decoded.event as never, meta, verified.body)).catch((cause: unknown) => {
          if (isWebhookError(cause) && cause.status === 503) throw cause;
          throw new WebhookError("ENQUEUE_FAILED", `The event could not be enqueued (${messageOf(cause)}); the sender will retry.`, { cause });
        });
        return answer(span, "accepted", ids, started);
      }

      const lastAttempt = config.lastAttempt?.(decoded, now());
      try {
        const result = await runOnce({
          store: config.store,
          key,
          bodyHash: await platformCrypto.sha256Hex(delivery.body),
          run: () => route.run!(decoded.event, ctx),
          handlerTimeoutMs: config.handlerTimeoutMs,
          logger: config.logger,
          describe: decoded,
          span,
          entity: config.entityOf && (await config.entityOf(decoded, tenant)),
        });
        if (result === "stale") return answer(span, "stale", ids, started, `an event of the same entity created later was already applied`);
        return answer(span, result === "duplicate" ? "duplicate" : outcome, ids, started);
      } catch (thrown) {
        // Parking: a handler failure on the sender's last attempt (claim released) is kept, answered 200.
        if (!lastAttempt || !handlerFailed(thrown)) throw thrown;
        const { eventId, type } = decoded;
        const parked = { key, provider: provider.name, eventId, type, body: verified.body, parkedAt: now(), reason: thrown.message };
        await span.step("store.park", () => config.store.park!(parked)).catch((err: unknown) => {
          config.logger.error?.("the delivery could not be parked; it is answered 500 and lost unless the sender retries", { key, err });
          throw thrown;
        });
        config.logger.error?.(`webhook parked: ${type} ${eventId}: its handler failed on the sender's last attempt; replay it with replayParked once fixed`, {
          eventId,
          type,
          err: thrown.cause ?? thrown,
        });
        return answer(span, "parked", ids, started, `parked after the last attempt failed: ${thrown.message}`, thrown);
      } finally {
        sender.stop();
      }
    } catch (error) {
      return fail(span, error, ids, started);
    }
  };
}

import type { SecretOption } from "../lifecycle/authenticate.js";
import type { DeliveryMeta, HandlerContext, LifecycleInfo } from "../lifecycle/context.js";
import type { Telemetry } from "../lifecycle/telemetry.js";
import type { AnyProvider, EventTypeOf, ProviderEvent, ProviderEventOf } from "../provider/define-provider.js";
import type { LoggerInput } from "../util/logger.js";
import type { WebhookError } from "../errors/index.js";
import type { UnknownEvent } from "../provider/unknown-event.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import type { AgentRefProvider } from "../providers/agentref.js";

/**
 * A typed handler for one event type.
 *
 * @example
 * const onFailed: EventHandler<PayoutFailedEvent> = async (event) => alert(event.data.failureReason);
 */
export type EventHandler<E> = (event: E, ctx: HandlerContext) => unknown;

/**
 * Write `"ignore"` for a type you deliberately do not handle (required in exhaustive mode).
 *
 * @example
 * createHandler({ exhaustive: true, on: { "program.updated": "ignore", … } });
 */
export type Ignore = "ignore";

/**
 * The `on` map: one optional handler per event type, `event` narrowed to exactly that type.
 * With `exhaustive: true` every type must be present (a handler or `"ignore"`), so a new
 * event type in a future SDK version breaks your build instead of production.
 *
 * @example
 * const on: HandlerMap = { "conversion.created": async (event) => event.data.commissionAmount };
 */
export type HandlerMap<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false> = Exhaustive extends true
  ? { [T in EventTypeOf<P>]: EventHandler<ProviderEventOf<P, T>> | Ignore }
  : { [T in EventTypeOf<P>]?: EventHandler<ProviderEventOf<P, T>> | Ignore };

/**
 * Where `enqueue` mode hands a verified event (see `agentref-webhooks/bullmq`).
 * Resolve only once the queue has durably accepted the job; reject otherwise.
 *
 * @example
 * createHandler({ secret, enqueue: bullmqEnqueue(queue) });
 */
export type Enqueue<P extends AnyProvider = AgentRefProvider> = (
  event: ProviderEvent<P> | UnknownEvent,
  meta: DeliveryMeta,
  /** The verified body, exactly as received: queue this rather than re-serializing the event. */
  rawBody: string,
) => Promise<unknown>;

/**
 * `createHandler` options. With `exhaustive: true`, `on` is required and must name
 * every event type (a handler or `"ignore"`).
 *
 * @example
 * createHandler({ secret: process.env.AGENTREF_WEBHOOK_SECRET!, on: { "payout.failed": async (e) => {} } });
 */
export type CreateHandlerOptions<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false> = HandlerOptionsBase<P, Exhaustive> &
  // A conditional member, so that exhaustive mode without any `on` map is a compile error too.
  (Exhaustive extends true ? { on: HandlerMap<P, true> } : { on?: HandlerMap<P, false> });

/**
 * Every `createHandler` option except `on` (see {@link CreateHandlerOptions}).
 *
 * @example
 * const base: HandlerOptionsBase = { secret: process.env.AGENTREF_WEBHOOK_SECRET!, maxBodyBytes: 64 * 1024 };
 */
export interface HandlerOptionsBase<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false> {
  /** Whose webhooks these are. Default: AgentRef. */
  provider?: P;
  /** The endpoint's signing secret(s), or a resolver. Checked at creation (INVALID_SECRET). */
  secret: SecretOption;
  /** Require every event type in `on` (a handler or `"ignore"`). */
  exhaustive?: Exhaustive;
  /** A known type with no handler. */
  onUnhandled?: (event: ProviderEvent<P>, ctx: HandlerContext) => unknown;
  /** A type not in the catalog. */
  onUnknown?: (event: UnknownEvent, ctx: HandlerContext) => unknown;
  /** Every error answered with a non-2xx status, and failures to complete after success. */
  onError?: (error: WebhookError, info: LifecycleInfo) => unknown;
  /** The idempotency store. Default: an in-memory store (one process). */
  store?: IdempotencyStore;
  /** Signature timestamp tolerance in seconds (both directions). Default 300. */
  tolerance?: number;
  /** Largest body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Read deadline for the whole body, in ms. Default 10 s (then 408). */
  bodyTimeoutMs?: number;
  /** Only these environments are processed; others are acknowledged and skipped. */
  environment?: string | readonly string[];
  /** Only these programs are processed; others (and events with no programId) are acknowledged and skipped. */
  programId?: string | readonly string[];
  /**
   * The tenant an event belongs to, for the idempotency key (`<provider>:<scope>:<id>`).
   * Default: the provider's `scopeKey` field (AgentRef: `merchantId`). Derive it from
   * whatever your secret resolver chose the secret by, so a tenant cannot claim another
   * tenant's event id.
   */
  idempotencyScope?: (event: ProviderEvent<P> | UnknownEvent, ctx: HandlerContext) => string | undefined;
  /** Validate strictly (unknown fields / enum values rejected). Default false. */
  strict?: boolean;
  /** Queue mode: hand verified events to a durable queue and answer 202. */
  enqueue?: Enqueue<P>;
  /** After verification and decoding, before filters and the handler (`outcome: "verified"`). */
  onVerified?: (info: LifecycleInfo) => unknown;
  /** A delivery of an event completed earlier: acknowledged 200, the handler not run. */
  onDuplicate?: (info: LifecycleInfo) => unknown;
  /** Every 2xx answer that is not a duplicate: handled, unhandled, unknown, filtered, accepted. */
  onHandled?: (info: LifecycleInfo) => unknown;
  /** The handler threw or timed out (answered 500; `info.error` says why). */
  onFailed?: (info: LifecycleInfo) => unknown;
  /**
   * Structured logger: `console`, pino or winston as they are. Default: warnings and errors
   * to the console. Never given the secret or the body.
   */
  logger?: LoggerInput;
  /**
   * A handler that has not settled after this many ms is given up: its claim is released
   * (the sender's next retry runs it again) and the delivery is answered 500
   * `HANDLER_TIMEOUT`. Until then no retry runs concurrently. Default 10 minutes.
   */
  handlerTimeoutMs?: number;
  /**
   * Send the full error message in 5xx answers (for development). By default they carry
   * the code, a generic message and a correlation id; the full error goes to the logger
   * and `onError`, since answers land in the sender's delivery log.
   */
  exposeErrors?: boolean;
  /**
   * Traces and metrics for every delivery: `otel()` from `agentref-webhooks/otel`.
   * Off by default (nothing of OpenTelemetry is imported then).
   */
  telemetry?: Telemetry;
  /** The clock (epoch ms), for tests with a virtual clock. Default `Date.now`. */
  now?: () => number;
}

/**
 * The handler `createHandler` returns: a Web `Request` in, a `Response` out.
 *
 * @example
 * export const POST: WebhookHandler = createHandler({ secret, on: {} });
 */
export type WebhookHandler = (request: Request) => Promise<Response>;

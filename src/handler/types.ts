import type { SecretOption } from "../lifecycle/authenticate.js";
import type { DeliveryMeta, HandlerContext } from "../lifecycle/context.js";
import type { Hooks } from "../lifecycle/report.js";
import type { Telemetry } from "../lifecycle/telemetry.js";
import type { AnyProvider, EventTypeOf, OrderingRules, ProviderEvent, ProviderEventOf } from "../provider/define-provider.js";
import type { LoggerInput } from "../util/logger.js";
import type { UnknownEvent } from "../provider/unknown-event.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import type { AgentRefProvider } from "../providers/agentref.js";

/**
 * A typed handler for one event type (`C`: the worker's handlers get a `WorkerContext`).
 * @example const onFailed: EventHandler<PayoutFailedEvent> = async (event) => alert(event.data.failureReason);
 */
export type EventHandler<E, C = HandlerContext> = (event: E, ctx: C) => unknown;

/**
 * Write `"ignore"` for a type you deliberately do not handle (required in exhaustive mode).
 * @example createHandler({ exhaustive: true, on: { "program.updated": "ignore", … } });
 */
export type Ignore = "ignore";

/**
 * The `on` map: one optional handler per event type, `event` narrowed to it (all required with `exhaustive: true`).
 * @example const on: HandlerMap = { "conversion.created": async (event) => event.data.commissionAmount };
 */
export type HandlerMap<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false, C = HandlerContext> =
  Exhaustive extends true
    ? { [T in EventTypeOf<P>]: EventHandler<ProviderEventOf<P, T>, C> | Ignore }
    : { [T in EventTypeOf<P>]?: EventHandler<ProviderEventOf<P, T>, C> | Ignore };

/**
 * Where `enqueue` mode hands a verified event: resolve once the queue durably accepted the job, else reject.
 * @example createHandler({ secret, enqueue: bullmqEnqueue(queue) });
 */
export type Enqueue<P extends AnyProvider = AgentRefProvider> = (
  event: ProviderEvent<P> | UnknownEvent,
  meta: DeliveryMeta,
  /** The verified body, exactly as received: queue this rather than re-serializing the event. */
  rawBody: string,
) => Promise<unknown>;

/**
 * `createHandler` options. With `exhaustive: true`, `on` must name every event type (a handler or `"ignore"`).
 * @example createHandler({ secret: process.env.AGENTREF_WEBHOOK_SECRET!, on: { "payout.failed": async (e) => {} } });
 */
export type CreateHandlerOptions<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false> = HandlerOptionsBase<P, Exhaustive> &
  // A conditional member, so that exhaustive mode without any `on` map is a compile error too.
  (Exhaustive extends true ? { on: HandlerMap<P, true> } : { on?: HandlerMap<P, false> });

/** The options `createHandler` and `createWorker` share; `C` is the context their handlers get. */
export interface SharedOptions<P extends AnyProvider, Exhaustive extends boolean, C> {
  /**
   * Require every event type in `on` (a handler or `"ignore"`), so a new type breaks your build.
   * @example createHandler({ secret, exhaustive: true, on: { ...all13 } })
   */
  exhaustive?: Exhaustive;
  /**
   * Runs for a known type with no handler in `on` (acknowledged as `unhandled`).
   * @example onUnhandled: (event) => console.info("not handled yet:", event.type)
   */
  onUnhandled?: (event: ProviderEvent<P>, ctx: C) => unknown;
  /**
   * Runs for a type not in the catalog (acknowledged as `unknown`): upgrade the SDK.
   * @example onUnknown: (event) => console.warn("upgrade agentref-webhooks for", event.type)
   */
  onUnknown?: (event: UnknownEvent, ctx: C) => unknown;
  /**
   * Validate strictly: unknown fields and enum values rejected. For your tests. Default false.
   * @example strict: process.env.NODE_ENV === "test"
   */
  strict?: boolean;
  /**
   * `console`, pino or winston as they are. Default: warnings and errors to the console. Never given the secret or the body.
   * @example logger: pino()
   */
  logger?: LoggerInput;
  /**
   * Traces and metrics per delivery (or job). Off by default (nothing of OpenTelemetry is imported then).
   * @example telemetry: otel()
   */
  telemetry?: Telemetry;
  /**
   * Whose webhooks these are (a worker's must match its receiver's). Default: AgentRef.
   * @example provider: agiled
   */
  provider?: P;
}

/**
 * Every `createHandler` option except `on` (see {@link CreateHandlerOptions}).
 * @example const base: HandlerOptionsBase = { secret: process.env.AGENTREF_WEBHOOK_SECRET!, maxBodyBytes: 64 * 1024 };
 */
export interface HandlerOptionsBase<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false>
  extends SharedOptions<P, Exhaustive, HandlerContext>,
    Hooks {
  /**
   * The signing secret (`whsec_…`), two during a rotation, or a resolver given unverified hints.
   * @example secret: [process.env.NEW_SECRET!, process.env.OLD_SECRET!]
   */
  secret: SecretOption;
  /**
   * The idempotency store. Default: an in-memory store (one process, forgets on restart).
   * @example store: createSqliteStore({ path: "webhooks.db" })
   */
  store?: IdempotencyStore;
  /**
   * Only these environments are processed; others are acknowledged (200 `filtered`) and skipped.
   * @example environment: "production"
   */
  environment?: string | readonly string[];
  /**
   * Only these programs are processed; others (and events with no programId) are acknowledged and skipped.
   * @example programId: ["prg_xyz789"]
   */
  programId?: string | readonly string[];
  /**
   * Signature timestamp tolerance in seconds (both directions). Default: the provider's (300).
   * @example tolerance: 60
   */
  tolerance?: number;
  /**
   * The tenant of an event, for its idempotency key. Default: the provider's `scopeKey` field (AgentRef: `merchantId`).
   * @example idempotencyScope: (event, ctx) => ctx.deliveryId.split("_")[0]
   */
  idempotencyScope?: (event: ProviderEvent<P> | UnknownEvent, ctx: HandlerContext) => string | undefined;
  /**
   * A handler still running after this many ms is given up (500 `HANDLER_TIMEOUT`, claim released). Default 10 minutes.
   * @example handlerTimeoutMs: 30 * 60_000 // a long PDF render
   */
  handlerTimeoutMs?: number;
  /**
   * Largest body accepted, in bytes (413 past it, counted on the stream). Default 1 MiB.
   * @example maxBodyBytes: 64 * 1024
   */
  maxBodyBytes?: number;
  /**
   * Read deadline for the whole body, in ms (then 408). Default 10 s.
   * @example bodyTimeoutMs: 5_000
   */
  bodyTimeoutMs?: number;
  /**
   * Queue mode: hand verified events to a durable queue and answer 202 (see `agentref-webhooks/bullmq`).
   * @example enqueue: bullmqEnqueue(queue)
   */
  enqueue?: Enqueue<P>;
  /**
   * One handler per entity at a time; events older than one applied answered 200 `stale`. Not with `enqueue`. Default off.
   * @example ordering: true
   */
  ordering?: boolean | OrderingRules<P["events"]>;
  /**
   * Keep a delivery whose handler failed on the sender's last attempt (or once `afterMs` old) for `replayParked` (200 `parked`).
   * @example parking: true
   */
  parking?: boolean | { afterMs?: number };
  /**
   * Send the full error message in 5xx answers (for development); by default only the code, a generic message and a correlation id.
   * @example exposeErrors: process.env.NODE_ENV !== "production"
   */
  exposeErrors?: boolean;
  /**
   * The clock (epoch ms), for tests on a virtual clock. Default `Date.now`.
   * @example now: clock.now
   */
  now?: () => number;
}

/**
 * The handler `createHandler` returns: a Web `Request` in, a `Response` out.
 * @example export const POST: WebhookHandler = createHandler({ secret, on: {} });
 */
export type WebhookHandler = (request: Request) => Promise<Response>;

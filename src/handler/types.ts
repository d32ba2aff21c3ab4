import type { Logger } from "../core/logger.js";
import type { AnyProvider, EventTypeOf, ProviderEvent, ProviderEventOf } from "../core/provider.js";
import type { WebhookError } from "../errors/index.js";
import type { UnknownEvent } from "../events/unknown-event.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import type { AgentRefProvider } from "../providers/agentref.js";
import type { HeaderGetter } from "../verify/headers.js";
import type { DeliveryOutcome } from "./responses.js";

/**
 * What every handler receives beside the event.
 *
 * @example
 * on: { "payout.failed": async (event, ctx) => log(ctx.deliveryId, ctx.receivedAt) }
 */
export interface HandlerContext {
  /** The delivery id from the signature headers (`svix-id`): the same on every retry. */
  deliveryId: string;
  /** The event id from the envelope: the idempotency key. */
  eventId: string;
  /** The signature timestamp (Unix seconds) of this attempt. */
  timestamp: number;
  /** When this attempt reached us. */
  receivedAt: Date;
  /** The raw body exactly as verified. */
  rawBody: string;
  /** The provider's name (`agentref` unless another provider was given). */
  provider: string;
}

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
 * What lifecycle hooks receive, for logs and metrics.
 *
 * @example
 * onHandled: (info) => metrics.timing(`webhook.${info.type}`, info.durationMs)
 */
export interface LifecycleInfo {
  deliveryId: string | undefined;
  eventId: string | undefined;
  type: string | undefined;
  outcome: DeliveryOutcome | "verified" | "failed" | "rejected";
  status: number;
  /** Time from the first byte read to the answer, in ms. */
  durationMs: number;
  /** Why a delivery was filtered, rejected or failed. */
  reason?: string;
  error?: WebhookError;
}

/**
 * What a secret resolver receives: unverified hints to pick the secret by.
 * Nothing here is authenticated yet: use it only to choose among your own secrets.
 *
 * @example
 * secret: async (hints) => (hints.envelope()?.environment === "production" ? prodSecret : previewSecret)
 */
export interface SecretHints {
  /** The delivery id header (unverified). */
  deliveryId: string | undefined;
  /** Reads a request header. */
  header: HeaderGetter;
  /** The envelope, parsed without verification (parsed once and reused after verification), or undefined if not JSON. */
  envelope(): Record<string, unknown> | undefined;
}

/**
 * A secret (`whsec_…` or the bare key), several during a rotation, or a resolver.
 *
 * @example
 * secret: [process.env.NEW_SECRET!, process.env.OLD_SECRET!]
 */
export type SecretOption = string | readonly string[] | ((hints: SecretHints) => string | readonly string[] | Promise<string | readonly string[]>);

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
) => Promise<unknown>;

/**
 * Delivery metadata passed to `enqueue` and carried with queued jobs.
 *
 * @example
 * const meta: DeliveryMeta = { deliveryId: "msg_1", eventId: "msg_1", timestamp: 1614265330, receivedAt: new Date().toISOString(), provider: "agentref" };
 */
export interface DeliveryMeta {
  deliveryId: string;
  eventId: string;
  timestamp: number;
  receivedAt: string;
  provider: string;
}

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
  onVerified?: (info: LifecycleInfo) => unknown;
  onDuplicate?: (info: LifecycleInfo) => unknown;
  onHandled?: (info: LifecycleInfo) => unknown;
  onFailed?: (info: LifecycleInfo) => unknown;
  /** Structured logger. Default: warnings and errors to the console; never the secret or the body. */
  logger?: Logger;
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

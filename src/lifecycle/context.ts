import type { WebhookError } from "../errors/index.js";
import type { HeaderGetter } from "../verify/headers.js";
import type { DeliveryOutcome } from "./answer.js";

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
  /**
   * Aborts when the sender has stopped waiting for the answer: its response timeout
   * (AgentRef: 30 s) has passed since the delivery arrived, or the client went away.
   * The claim stays yours (its lease is renewed) until the handler settles or
   * `handlerTimeoutMs` passes; pass the signal to `fetch` and database calls that can stop early.
   */
  signal: AbortSignal;
}

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
  /** The id sent in an error answer's body and written to the log line: match a sender's delivery log to your logs. */
  correlationId?: string;
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
  /** The envelope, parsed without verification (the same parse is used after verification), or undefined if not a JSON object. */
  envelope(): Record<string, unknown> | undefined;
}

/**
 * Delivery metadata passed to `enqueue` and carried with queued jobs.
 *
 * @example
 * const meta: DeliveryMeta = { deliveryId: "msg_1", eventId: "msg_1", key: "agentref@mer_1@msg_1", timestamp: 1614265330, receivedAt: new Date().toISOString(), provider: "agentref" };
 */
export interface DeliveryMeta {
  deliveryId: string;
  eventId: string;
  /** The event's idempotency key (`<provider>@<tenant>@<id>`, escaped): the queue's job id. */
  key: string;
  timestamp: number;
  receivedAt: string;
  provider: string;
  /** The receiver's trace context (W3C `traceparent`), with the `telemetry` option: the worker's span joins that trace. */
  trace?: Record<string, string>;
}

import type { WebhookError } from "../errors/index.js";
import type { HeaderGetter } from "../verify/headers.js";
import type { DeliveryOutcome } from "./answer.js";

/**
 * What every handler receives beside the event.
 * @example on: { "payout.failed": async (event, ctx) => log(ctx.deliveryId, ctx.receivedAt) }
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
  /** Aborts when the sender stopped waiting (AgentRef: 30 s) or left; the claim stays yours until the handler settles or times out. */
  signal: AbortSignal;
}

/**
 * What lifecycle hooks receive, for logs and metrics.
 * @example onHandled: (info) => metrics.timing(`webhook.${info.type}`, info.durationMs)
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
 * What a secret resolver receives: unverified hints, only to choose among your own secrets.
 * @example secret: async (hints) => (hints.envelope()?.environment === "production" ? prodSecret : previewSecret)
 */
export interface SecretHints {
  /** The delivery id header (unverified). */
  deliveryId: string | undefined;
  header: HeaderGetter;
  /** The envelope, parsed without verification, or undefined if not a JSON object. */
  envelope(): Record<string, unknown> | undefined;
}

/**
 * Delivery metadata passed to `enqueue` and carried with queued jobs.
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

/** The handler context; `signal` is made on first read (most handlers never read it, and then it costs no timer). */
export class Context implements HandlerContext {
  readonly #makeSignal: () => AbortSignal;
  constructor(
    readonly deliveryId: string,
    readonly eventId: string,
    readonly timestamp: number,
    readonly receivedAt: Date,
    readonly rawBody: string,
    readonly provider: string,
    makeSignal: () => AbortSignal,
  ) {
    this.#makeSignal = makeSignal;
  }

  get signal(): AbortSignal {
    return this.#makeSignal();
  }
}

/** `ctx.signal`: aborts after the sender's response timeout or when the client leaves; made on first read. */
export function senderDeadline(requestSignal: AbortSignal | undefined, timeoutMs: number, elapsedMs: () => number) {
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => controller!.abort(requestSignal?.reason);
  return {
    signal(): AbortSignal {
      if (!controller) {
        controller = new AbortController();
        if (requestSignal?.aborted) controller.abort(requestSignal.reason);
        requestSignal?.addEventListener("abort", onAbort, { once: true });
        const left = Math.max(0, timeoutMs - elapsedMs());
        timer = setTimeout(() => controller!.abort(new Error(`the sender stopped waiting after ${timeoutMs} ms`)), left);
      }
      return controller.signal;
    },
    stop() {
      if (!controller) return;
      clearTimeout(timer);
      requestSignal?.removeEventListener("abort", onAbort);
    },
  };
}

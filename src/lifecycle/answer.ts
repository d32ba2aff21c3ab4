import { retryAfterSeconds, type WebhookError, type WebhookErrorCode } from "../errors/index.js";

/**
 * The status of each non-error outcome (with `errorStatus`, the README's status table).
 * @example outcomeStatus.duplicate; // 200: already completed earlier, the sender stops
 */
export const outcomeStatus = {
  /** The handler ran and completed. */
  handled: 200,
  /** Completed earlier: acknowledged, the handler is not run again. */
  duplicate: 200,
  /** Known type with no handler (`onUnhandled` was called if given). */
  unhandled: 200,
  /** Type not in the catalog (`onUnknown` was called if given). */
  unknown: 200,
  /** Outside the configured `environment` / `programId` filters: acknowledged and skipped. */
  filtered: 200,
  /** Accepted onto a durable queue (`enqueue` mode). */
  accepted: 202,
  /** Older than an event of the same entity already applied (`ordering`): skipped, `onStale` called. */
  stale: 200,
  /** The handler failed on the sender's last attempt; the delivery was kept for `replayParked` (`parking`). */
  parked: 200,
} as const;

/**
 * A delivery outcome that is not an error.
 * @example const o: DeliveryOutcome = "duplicate";
 */
export type DeliveryOutcome = keyof typeof outcomeStatus;

/** The transport-neutral answer the pipeline produces; adapters write it out. */
export interface DeliveryResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const json = { "content-type": "application/json; charset=utf-8" } as const;

/** The answer for an outcome: `{ ok: true, outcome, id, type, reason? }` (undefined fields left out). */
export function outcomeResponse(outcome: DeliveryOutcome, id?: string, type?: string, reason?: string): DeliveryResponse {
  return { status: outcomeStatus[outcome], headers: { ...json }, body: JSON.stringify({ ok: true, outcome, id, type, reason }) };
}

/** What an answer's body says for errors whose own message may hold internals (hosts, SQL, stack details). */
const genericMessage: Partial<Record<WebhookErrorCode, string>> = {
  HANDLER_FAILED: "The receiver's handler failed; the delivery was not processed. Retry later.",
  HANDLER_TIMEOUT: "The receiver's handler did not finish in time; the delivery was not processed. Retry later.",
  STORE_UNAVAILABLE: "The receiver's idempotency store is unavailable. Retry later.",
  ENQUEUE_FAILED: "The receiver could not queue the event. Retry later.",
  SECRET_RESOLVER_FAILED: "The receiver could not look up its signing secret. Retry later.",
  INVALID_SECRET: "The receiver's signing secret is misconfigured. Retry later.",
  BODY_ALREADY_PARSED: "The receiver is misconfigured: its webhook route does not get the raw body. Retry later.",
};

/** The answer for an error; own failures get a generic message (the sender's delivery log is not ours) unless `expose`. */
export function errorResponse(error: WebhookError, correlationId: string, expose = false): DeliveryResponse {
  const headers: Record<string, string> = { ...json };
  const retryAfter = retryAfterSeconds[error.code];
  if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
  if (error.code === "METHOD_NOT_ALLOWED") headers.allow = "POST";
  const shown = expose ? error.toJSON() : { ...error.toJSON(), message: genericMessage[error.code] ?? error.message };
  return { status: error.status, headers, body: JSON.stringify({ ok: false, ...shown, correlationId }) };
}

/** An adapter's last resort when the handler threw: 500 `HANDLER_FAILED`, no exception text. */
export function adapterFailure(): DeliveryResponse {
  return {
    status: 500,
    headers: { ...json },
    body: JSON.stringify({ ok: false, code: "HANDLER_FAILED", message: "The webhook handler failed unexpectedly; the delivery was not processed. Retry later." }),
  };
}

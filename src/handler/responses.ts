import { retryAfterSeconds } from "../errors/index.js";
import type { WebhookError } from "../errors/index.js";

/**
 * What became of a delivery that was not an error, with the status it is answered
 * with. Together with `errorStatus` (one status per error code) this is the whole
 * status table of the README.
 *
 * @example
 * import { outcomeStatus } from "agentref-webhooks";
 * outcomeStatus.duplicate; // 200: already completed earlier, the sender stops
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
} as const;

/**
 * A delivery outcome that is not an error.
 *
 * @example
 * const o: DeliveryOutcome = "duplicate";
 */
export type DeliveryOutcome = keyof typeof outcomeStatus;

/**
 * The transport-neutral answer the pipeline produces; adapters write it out.
 *
 * @example
 * const r: DeliveryResponse = { status: 200, headers: { "content-type": "application/json" }, body: '{"ok":true}' };
 */
export interface DeliveryResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const json = { "content-type": "application/json; charset=utf-8" } as const;

/**
 * The answer for an outcome: `{ ok: true, outcome, id, type, reason? }` (undefined fields left out).
 *
 * @example
 * outcomeResponse("handled", "evt_1", "conversion.created").body; // '{"ok":true,"outcome":"handled","id":"evt_1","type":"conversion.created"}'
 */
export function outcomeResponse(outcome: DeliveryOutcome, id?: string, type?: string, reason?: string): DeliveryResponse {
  return { status: outcomeStatus[outcome], headers: { ...json }, body: JSON.stringify({ ok: true, outcome, id, type, reason }) };
}

/**
 * The answer for an error: its status, `Retry-After` where the table says so, a machine-readable body.
 *
 * @example
 * errorResponse(new WebhookError("IN_PROGRESS", "busy")); // { status: 409, headers: { "retry-after": "30", … }, body }
 */
export function errorResponse(error: WebhookError): DeliveryResponse {
  const headers: Record<string, string> = { ...json };
  const retryAfter = retryAfterSeconds[error.code];
  if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
  if (error.code === "METHOD_NOT_ALLOWED") headers.allow = "POST";
  return { status: error.status, headers, body: JSON.stringify({ ok: false, ...error.toJSON() }) };
}

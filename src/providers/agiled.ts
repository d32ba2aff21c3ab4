import { z } from "zod";
import { defineProvider } from "../provider/define-provider.js";
import { isoDateTime, openEvents, openObject } from "../provider/schema-kit.js";
import { createHexHmacScheme } from "../verify/hex-hmac.js";

// Agiled does not document the JSON types of its ids: accept strings and numbers.
const identifier = z.union([z.string().min(1), z.number()]);

/**
 * Agiled's envelope: `{ id, event, organization_id, occurred_at, data }`. The type
 * lives in `event`, not `type`.
 * @example
 * import { agiledEnvelopeSchema } from "agentref-webhooks/agiled";
 * agiledEnvelopeSchema.parse(JSON.parse(body)).event;
 */
export const agiledEnvelopeSchema = openObject({
  id: identifier,
  event: z.string().min(1),
  organization_id: identifier,
  occurred_at: isoDateTime(),
  data: openObject({}),
});

/**
 * Agiled's 19 event names (payloads not documented: `data` is an open object).
 * @example
 * import { agiledEventNames } from "agentref-webhooks/agiled";
 * agiledEventNames.includes("invoice.paid"); // true
 */
export const agiledEventNames = [
  ...(["contact", "account", "deal", "ticket", "project", "task"] as const).flatMap(
    (noun) => [`${noun}.created`, `${noun}.updated`] as const,
  ),
  "invoice.created",
  "invoice.updated",
  "invoice.paid",
  "payment.created",
  "payment.updated",
  "time_entry.created",
  "time_entry.updated",
] as const;

/**
 * Agiled's signature scheme: hex HMAC-SHA256 of `${timestamp}.${rawBody}` with the secret as
 * given, in `X-Agiled-Webhook-Signature`; `X-Agiled-Webhook-Timestamp` is Unix seconds.
 * @example
 * import { agiledScheme } from "agentref-webhooks/agiled";
 * await verifyWebhook({ body, headers, secret, scheme: agiledScheme });
 */
export const agiledScheme = createHexHmacScheme({
  name: "agiled",
  headers: { id: "x-agiled-webhook-id", timestamp: "x-agiled-webhook-timestamp", signature: "x-agiled-webhook-signature" },
});

/**
 * Agiled: hex HMAC signatures under `X-Agiled-Webhook-*` headers, the `event` envelope and its
 * 19 events, retried after 1, 5, 15, 30 and 60 minutes.
 * @example export const POST = createHandler({ provider: agiled, secret, on: { "invoice.paid": (e) => markPaid(e.data) } });
 */
export const agiled = defineProvider({
  name: "agiled",
  scheme: agiledScheme,
  envelope: { schema: agiledEnvelopeSchema, idKey: "id", typeKey: "event", timestampKey: "occurred_at", scopeKey: "organization_id" },
  events: openEvents(agiledEnvelopeSchema, "event", agiledEventNames),
  retrySchedule: [0, 1, 5, 15, 30, 60].map((minutes) => minutes * 60_000),
});

/**
 * The type of the Agiled provider.
 * @example function use(p: AgiledProvider) { return p.types; }
 */
export type AgiledProvider = typeof agiled;

export default agiled;

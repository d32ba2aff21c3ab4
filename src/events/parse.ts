import { WebhookError } from "../errors/index.js";
import type { AnyProvider, ProviderEvent } from "../core/provider.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";
import { describeIssues, toPayloadIssues } from "./issues.js";
import { UnknownEvent } from "./unknown-event.js";

/**
 * Options of `parseEvent`.
 *
 * @example
 * parseEvent(body, { strict: true });
 * parseEvent(body, { provider: agiled });
 */
export interface ParseEventOptions<P extends AnyProvider = AgentRefProvider> {
  /** Whose events these are. Default: AgentRef. */
  provider?: P;
  /** Reject unknown fields and unknown enum values (for your own tests). Default false. */
  strict?: boolean;
}

/**
 * What `parseEvent` returns: a typed event of the catalog, or an `UnknownEvent`.
 *
 * @example
 * const event: ParsedEvent = parseEvent(body);
 */
export type ParsedEvent<P extends AnyProvider = AgentRefProvider> = ProviderEvent<P> | UnknownEvent;

/**
 * Parses and validates one delivery's body into a typed event. Give it the raw body
 * string (parsed once here) or an already parsed value.
 *
 * - An event type not in the catalog yields an `UnknownEvent` (not an exception).
 * - Invalid JSON throws `WebhookError` `INVALID_JSON`; a schema failure throws
 *   `INVALID_PAYLOAD` with `issues` (path + message); a `schemaVersion` other than 2
 *   throws `UNSUPPORTED_SCHEMA_VERSION`.
 * - Call it on a body you verified (`constructEvent` does both).
 *
 * @example
 * import { parseEvent, isUnknownEvent } from "agentref-webhooks";
 * const event = parseEvent(rawBody);
 * if (!isUnknownEvent(event) && event.type === "conversion.created") {
 *   event.data.commissionAmount; // number
 * }
 */
export function parseEvent<P extends AnyProvider = AgentRefProvider>(
  input: string | unknown,
  options: ParseEventOptions<P> = {},
): ParsedEvent<P> {
  const provider: AnyProvider = options.provider ?? agentref;
  const raw = typeof input === "string" ? parseJson(input) : input;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new WebhookError("INVALID_PAYLOAD", `The ${provider.name} webhook body must be a JSON object.`, {
      issues: [{ path: [], message: "Expected an object" }],
    });
  }
  const envelope = raw as Record<string, unknown>;
  provider.envelope.check?.(envelope);

  const type = envelope[provider.envelope.typeKey];
  if (typeof type === "string" && provider.has(type)) {
    const schemas = options.strict ? provider.strictEvents : provider.events;
    const result = (schemas[type] as (typeof schemas)[string]).safeParse(envelope);
    if (!result.success) throw invalidPayload(`${provider.name} "${type}" event`, result.error);
    return result.data as ParsedEvent<P>;
  }

  const result = provider.envelope.schema.safeParse(envelope);
  if (!result.success) throw invalidPayload(`${provider.name} webhook envelope`, result.error);
  const valid = result.data as Record<string, unknown>;
  return new UnknownEvent(eventIdOf(provider, valid), String(type), valid.data, valid);
}

/**
 * The event id an envelope carries under the provider's `idKey`, or undefined.
 *
 * @example
 * eventIdOf(agentref, { id: "msg_1" }); // "msg_1"
 */
export function eventIdOf(provider: AnyProvider, raw: Readonly<Record<string, unknown>>): string | undefined {
  const key = provider.envelope.idKey;
  const value = key === undefined ? undefined : raw[key];
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new WebhookError(
      "INVALID_JSON",
      `The webhook body is not valid JSON (${(cause as Error).message}). Pass the raw body exactly as received.`,
      { cause },
    );
  }
}

function invalidPayload(what: string, error: Parameters<typeof toPayloadIssues>[0]): WebhookError {
  const issues = toPayloadIssues(error);
  return new WebhookError(
    "INVALID_PAYLOAD",
    `The ${what} failed validation: ${describeIssues(issues)}. If AgentRef changed its payloads, upgrade agentref-webhooks; the sender keeps retrying meanwhile.`,
    { issues },
  );
}

/**
 * Narrows an event to one type.
 *
 * @example
 * if (isEventType(event, "payout.failed")) notify(event.data.failureReason);
 */
export function isEventType<E extends { type: string }, T extends E["type"]>(
  event: E | UnknownEvent,
  type: T,
): event is Extract<E, { type: T }> {
  return !(event instanceof UnknownEvent) && event.type === type;
}

import type { AnyProvider } from "../provider/define-provider.js";
import { parseWith, type ParsedWith } from "../provider/parse.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";

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
export type ParsedEvent<P extends AnyProvider = AgentRefProvider> = ParsedWith<P>;

/**
 * Parses and validates one delivery's body into a typed event. Give it the raw body
 * string (parsed once here) or an already parsed value.
 *
 * - An event type not in the catalog yields an `UnknownEvent` (not an exception).
 * - Invalid JSON throws `WebhookPayloadError` `INVALID_JSON`; a schema failure throws
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
  return parseWith((options.provider ?? agentref) as P, input, options.strict ?? false);
}

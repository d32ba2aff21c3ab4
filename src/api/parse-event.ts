import type { AnyProvider } from "../provider/define-provider.js";
import { parseWith, type ParsedWith } from "../provider/parse.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";

/**
 * Options of `parseEvent`.
 * @example parseEvent(body, { strict: true });
 */
export interface ParseEventOptions<P extends AnyProvider = AgentRefProvider> {
  /** Whose events these are. Default: AgentRef. */
  provider?: P;
  /** Reject unknown fields and unknown enum values (for your own tests). Default false. */
  strict?: boolean;
}

/**
 * What `parseEvent` returns: a typed event of the catalog, or an `UnknownEvent`.
 * @example const event: ParsedEvent = parseEvent(body);
 */
export type ParsedEvent<P extends AnyProvider = AgentRefProvider> = ParsedWith<P>;

/**
 * Parses and validates a verified body (raw string or parsed value) into a typed event, or an `UnknownEvent` for a
 * type not in the catalog. Throws `INVALID_JSON`, `INVALID_PAYLOAD` (with `issues`) or `UNSUPPORTED_SCHEMA_VERSION`.
 * @example
 * const event = parseEvent(rawBody);
 * if (!isUnknownEvent(event) && event.type === "conversion.created") event.data.commissionAmount; // number
 */
export function parseEvent<P extends AnyProvider = AgentRefProvider>(
  input: string | unknown,
  options: ParseEventOptions<P> = {},
): ParsedEvent<P> {
  return parseWith((options.provider ?? agentref) as P, input, options.strict ?? false);
}

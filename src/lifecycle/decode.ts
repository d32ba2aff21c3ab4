import { messageOf, WebhookPayloadError } from "../errors/index.js";
import type { AnyProvider } from "../provider/define-provider.js";
import { eventIdOf, parseWith } from "../provider/parse.js";
import { UnknownEvent } from "../provider/unknown-event.js";

/** A verified delivery decoded: the typed event (or an `UnknownEvent`), its envelope, type and id. */
export interface Decoded {
  event: unknown;
  raw: Readonly<Record<string, unknown>>;
  type: string;
  /** The envelope id, or the signed delivery id for providers whose envelope has none. */
  eventId: string;
  known: boolean;
}

/** The decode step: validate the parsed body with the provider's catalog, find its type and id; else `WebhookPayloadError`. */
export function decode(
  provider: AnyProvider,
  json: { value: unknown } | { error: unknown },
  options: { strict: boolean; deliveryId: string },
): Decoded {
  if ("error" in json) {
    const { error } = json;
    if (error instanceof WebhookPayloadError) throw error;
    const message = `The webhook body is not valid JSON (${messageOf(error)}). The signature matched, so this is how the sender sent it.`;
    throw new WebhookPayloadError("INVALID_JSON", message, { cause: error });
  }
  const event = parseWith(provider, json.value, options.strict);
  const raw = event instanceof UnknownEvent ? event.raw : (event as Record<string, unknown>);
  const type = event instanceof UnknownEvent ? event.type : String(raw[provider.envelope.typeKey]);
  return { event, raw, type, eventId: eventIdOf(provider, raw) ?? options.deliveryId, known: !(event instanceof UnknownEvent) };
}

/** The tenant of an event, for its idempotency key: `idempotencyScope`'s answer, else the provider's `scopeKey` field. */
export function tenantOf(provider: AnyProvider, decoded: Decoded, scope?: () => string | undefined): string | undefined {
  if (scope) return scope();
  const key = provider.envelope.scopeKey;
  const value = key === undefined ? undefined : decoded.raw[key];
  return value === undefined || value === null ? undefined : String(value);
}

import type { z } from "zod";
import { WebhookPayloadError, type PayloadIssue } from "../errors/index.js";
import type { AnyProvider, ProviderEvent } from "./define-provider.js";
import { UnknownEvent } from "./unknown-event.js";

/** A typed event of a provider's catalog, or an `UnknownEvent`. */
export type ParsedWith<P extends AnyProvider> = ProviderEvent<P> | UnknownEvent;

/** Parses and validates one body (a string or a parsed value) with a provider's catalog. */
export function parseWith<P extends AnyProvider>(provider: P, input: string | unknown, strict: boolean): ParsedWith<P> {
  const raw = typeof input === "string" ? parseJson(input) : input;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new WebhookPayloadError("INVALID_PAYLOAD", `The ${provider.name} webhook body must be a JSON object.`, {
      issues: [{ path: [], message: "Expected an object" }],
    });
  }
  const envelope = raw as Record<string, unknown>;
  provider.envelope.check?.(envelope);

  const type = envelope[provider.envelope.typeKey];
  if (typeof type === "string" && provider.has(type)) {
    const schemas = strict ? provider.strictEvents : provider.events;
    const result = (schemas[type] as (typeof schemas)[string]).safeParse(envelope);
    if (!result.success) throw invalidPayload(provider, `"${type}" event`, result.error);
    return result.data as ParsedWith<P>;
  }

  const result = provider.envelope.schema.safeParse(envelope);
  if (!result.success) throw invalidPayload(provider, "webhook envelope", result.error);
  const valid = result.data as Record<string, unknown>;
  return new UnknownEvent(eventIdOf(provider, valid), String(type), valid.data, valid);
}

/** The event id an envelope carries under the provider's `idKey`, or undefined. */
export function eventIdOf(provider: AnyProvider, raw: Readonly<Record<string, unknown>>): string | undefined {
  const key = provider.envelope.idKey;
  const value = key === undefined ? undefined : raw[key];
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new WebhookPayloadError(
      "INVALID_JSON",
      `The webhook body is not valid JSON (${(cause as Error).message}). Pass the raw body exactly as received.`,
      { cause },
    );
  }
}

function invalidPayload(provider: AnyProvider, what: string, error: z.ZodError): WebhookPayloadError {
  const issues = toPayloadIssues(error);
  return new WebhookPayloadError(
    "INVALID_PAYLOAD",
    `The ${provider.name} ${what} failed validation: ${describeIssues(issues)}. If ${provider.name} changed its payloads, upgrade agentref-webhooks; the sender keeps retrying meanwhile.`,
    { issues },
  );
}

/** zod issues as `{ path, message, code }`, the shape `WebhookError.issues` carries. */
export function toPayloadIssues(error: z.ZodError): PayloadIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === "symbol" ? String(segment) : segment)),
    message: issue.message,
    code: issue.code,
  }));
}

/** `data.amount: Invalid input: expected number, received string (and 2 more)` */
export function describeIssues(issues: PayloadIssue[]): string {
  const [first] = issues;
  if (!first) return "no details";
  const where = first.path.length > 0 ? first.path.join(".") : "(root)";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `${where}: ${first.message}${more}`;
}

/**
 * Narrows an event to one type.
 * @example if (isEventType(event, "payout.failed")) notify(event.data.failureReason);
 */
export function isEventType<E extends { type: string }, T extends E["type"]>(
  event: E | UnknownEvent,
  type: T,
): event is Extract<E, { type: T }> {
  return !(event instanceof UnknownEvent) && event.type === type;
}

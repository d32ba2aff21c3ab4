import type { AnyProvider } from "../provider/define-provider.js";
import { agentref } from "../providers/agentref.js";
import type { HeaderFamily, SignatureScheme, SignedHeaders } from "../verify/scheme.js";
import type { SecretInput } from "../verify/secret.js";
import { SVIX_HEADERS, WEBHOOK_HEADERS } from "../verify/standard-webhooks.js";
import { nowSeconds } from "../verify/timestamp.js";

/**
 * Which header names to sign with: `"svix"` (what AgentRef sends), `"webhook"` (Standard Webhooks) or any family.
 *
 * @example
 * const names: HeaderNames = "webhook";
 */
export type HeaderNames = "svix" | "webhook" | HeaderFamily;

/**
 * What `signPayload` takes.
 *
 * @example
 * const input: SignPayloadInput = { body: JSON.stringify(event), secret, timestamp: new Date() };
 */
export interface SignPayloadInput {
  /** The exact body that will be sent. */
  body: string | Uint8Array;
  /** One secret, or several (one signature each, as during a rotation). */
  secret: SecretInput;
  /** The message id. Default: the body's envelope id when it is JSON with one, else a random `msg_…`. */
  id?: string | undefined;
  /** Unix **seconds** or a `Date`. Default: now (the real clock). */
  timestamp?: number | Date | undefined;
  /** Header names. Default: the provider's (`svix-*` for AgentRef). */
  headers?: HeaderNames | undefined;
  /** Whose scheme signs. Default: AgentRef (Standard Webhooks). */
  provider?: AnyProvider | undefined;
}

function familyOf(names: HeaderNames | undefined, scheme: SignatureScheme): HeaderFamily {
  if (names === undefined) return scheme.signingHeaders;
  if (names === "svix") return SVIX_HEADERS;
  if (names === "webhook") return WEBHOOK_HEADERS;
  return names;
}

function seconds(timestamp: number | Date | undefined): number {
  const value = timestamp === undefined || timestamp instanceof Date ? nowSeconds(timestamp) : timestamp;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`signPayload: timestamp must be whole Unix seconds (or a Date), got ${String(timestamp)}`);
  }
  // Year 5138 in seconds: such a value is almost surely Date.now() milliseconds.
  if (value > 1e11) throw new RangeError(`signPayload: timestamp ${value} looks like milliseconds; pass Unix seconds (Math.floor(ms / 1000)) or a Date`);
  return value;
}

const textOf = (body: string | Uint8Array): string => (typeof body === "string" ? body : new TextDecoder().decode(body));

/** The message id a JSON body carries under the provider's `idKey`, if any. */
export function envelopeId(body: string | Uint8Array, provider: AnyProvider): string | undefined {
  const { idKey } = provider.envelope;
  if (idKey === undefined) return undefined;
  try {
    const value = JSON.parse(textOf(body)) as unknown;
    const id = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[idKey] : undefined;
    // Agiled ids may be numbers; the header carries their text.
    return (typeof id === "string" && id.length > 0) || typeof id === "number" ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

const randomId = (): string => `msg_${globalThis.crypto.randomUUID().replaceAll("-", "")}`;

/**
 * Signs a body the way the provider does (`provider.scheme.sign`) and returns the headers to
 * send with it (`svix-id`, `svix-timestamp`, `svix-signature` for AgentRef).
 *
 * @example
 * import { signPayload, createTestEvent } from "agentref-webhooks/testing";
 * const body = JSON.stringify(createTestEvent("payout.failed"));
 * const headers = await signPayload({ body, secret: process.env.AGENTREF_WEBHOOK_SECRET! });
 * await fetch("http://localhost:3000/webhooks/agentref", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
 */
export async function signPayload(input: SignPayloadInput): Promise<SignedHeaders> {
  const provider = input.provider ?? agentref;
  const { scheme } = provider;
  return scheme.sign({
    id: input.id ?? envelopeId(input.body, provider) ?? randomId(),
    timestamp: seconds(input.timestamp),
    body: input.body,
    secret: input.secret,
    headers: familyOf(input.headers, scheme),
  });
}

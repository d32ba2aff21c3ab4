import { isWebhookError, messageOf, WebhookConfigError } from "../errors/index.js";
import type { AnyProvider } from "../provider/define-provider.js";
import { bodyText } from "../verify/body.js";
import { toHeaderGetter, type HeadersInput } from "../verify/headers.js";
import { secretList } from "../verify/secret.js";
import { cachedVerifier } from "../verify/verifier-cache.js";
import { createVerifier, type VerifiedDelivery } from "../verify/verifier.js";
import type { SecretHints } from "./context.js";

/**
 * A secret (`whsec_…` or the bare key), several during a rotation, or a resolver.
 * @example secret: [process.env.NEW_SECRET!, process.env.OLD_SECRET!]
 */
export type SecretOption = string | readonly string[] | ((hints: SecretHints) => string | readonly string[] | Promise<string | readonly string[]>);

/** A read delivery shared by the steps; its JSON is parsed once, by the resolver's hints or by decode. */
export interface ReceivedDelivery {
  readonly headers: HeadersInput;
  readonly body: Uint8Array | string;
  /** The body's JSON (`{ value }`) or why not (`{ error }`); `text` is the already decoded body, if any. */
  json(text?: string): { value: unknown } | { error: unknown };
}

/** Wraps a read body for the lifecycle steps. */
export function receivedDelivery(headers: HeadersInput, body: Uint8Array | string): ReceivedDelivery {
  let parsed: { value: unknown } | { error: unknown } | undefined;
  return {
    headers,
    body,
    json(text) {
      if (!parsed) {
        try {
          parsed = { value: JSON.parse(text ?? bodyText(body)) };
        } catch (error) {
          parsed = { error };
        }
      }
      return parsed;
    },
  };
}

/** The authenticate step: pick the secret (static, decoded now, or from the resolver) and verify. */
export function createAuthenticator(
  provider: AnyProvider,
  secret: SecretOption,
  tolerance: number | undefined = provider.toleranceSeconds,
): (delivery: ReceivedDelivery, nowMs: number) => Promise<VerifiedDelivery> {
  if (typeof secret !== "function") {
    const verifier = createVerifier({ secret: secretList(secret), tolerance, scheme: provider.scheme });
    return (delivery, nowMs) => verifier.verify({ body: delivery.body, headers: delivery.headers, now: nowMs });
  }
  return async (delivery, nowMs) => {
    const header = toHeaderGetter(delivery.headers);
    const deliveryId = provider.scheme.headerFamilies.map((family) => header(family.id)).find((id) => id !== undefined);
    let resolved: string | readonly string[];
    try {
      resolved = await secret({ deliveryId, header, envelope: () => envelopeOf(delivery) });
    } catch (cause) {
      const message = `The secret resolver threw: ${messageOf(cause)}. The delivery was not verified; the sender retries it.`;
      throw isWebhookError(cause) ? cause : new WebhookConfigError("SECRET_RESOLVER_FAILED", message, { cause });
    }
    // secretList turns undefined or a non-list into INVALID_SECRET, not an obscure crash.
    const verifier = cachedVerifier({ secret: secretList(resolved), tolerance, scheme: provider.scheme });
    return verifier.verify({ body: delivery.body, headers: delivery.headers, now: nowMs });
  };
}

/** The body's JSON object, read unverified; undefined when the body is not one. */
export function envelopeOf(delivery: ReceivedDelivery): Record<string, unknown> | undefined {
  const json = delivery.json();
  const value = "value" in json ? json.value : undefined;
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

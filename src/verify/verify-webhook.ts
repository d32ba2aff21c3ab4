import type { HeadersInput } from "./headers.js";
import type { RawBody } from "./body.js";
import type { SignatureScheme } from "./scheme.js";
import type { SecretInput } from "./secret.js";
import { standardWebhooksScheme } from "./standard-webhooks.js";
import { cachedVerifier } from "./verifier-cache.js";
import type { VerifiedDelivery } from "./verifier.js";

/**
 * What `verifyWebhook` takes: the request (body and headers) and the configuration.
 *
 * @example
 * const input: VerifyWebhookInput = { body: await request.text(), headers: request.headers, secret };
 */
export interface VerifyWebhookInput {
  /** The raw body: a string or bytes, never a parsed object. */
  body: RawBody;
  headers: HeadersInput;
  /** The signing secret, or several during a rotation. */
  secret: SecretInput;
  /** Accepted clock difference in seconds, both directions. Default 300. */
  tolerance?: number | undefined;
  /** The clock, for tests: a `Date` or epoch **milliseconds**. */
  now?: Date | number | undefined;
  /** The provider's signing scheme. Default `standardWebhooksScheme`. */
  scheme?: SignatureScheme | undefined;
}

/**
 * Verifies one delivery (signature over the exact bytes, timestamp, headers) and resolves
 * with `{ id, timestamp, body }`, or rejects with a `WebhookVerificationError` whose `code`
 * says what failed. Verifiers are cached per secret, so calling this per request is cheap.
 *
 * @example
 * const { id, body } = await verifyWebhook({ body: req.body, headers: req.headers, secret: process.env.AGENTREF_WEBHOOK_SECRET! });
 */
export async function verifyWebhook(input: VerifyWebhookInput): Promise<VerifiedDelivery> {
  return cachedVerifier({ secret: input.secret, tolerance: input.tolerance, scheme: input.scheme ?? standardWebhooksScheme }).verify(input);
}

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
 * Verifies one webhook delivery: signature (HMAC-SHA256 over the exact bytes
 * received), timestamp (within `tolerance` seconds both ways) and headers
 * (`svix-*` or `webhook-*`, `svix-*` first). Resolves with `{ id, timestamp, body }`
 * or rejects with a `WebhookVerificationError` whose `code` says what failed; an
 * invalid secret is `INVALID_SECRET`. Verifiers are cached per secret, so calling
 * this per request is cheap; `createVerifier` is the explicit form.
 *
 * @example
 * import { verifyWebhook, WebhookVerificationError } from "agentref-webhooks";
 *
 * app.post("/webhooks/agentref", express.raw({ type: "application/json" }), async (req, res) => {
 *   try {
 *     const { id, body } = await verifyWebhook({ body: req.body, headers: req.headers, secret: process.env.AGENTREF_WEBHOOK_SECRET! });
 *     res.sendStatus(200);
 *   } catch (err) {
 *     if (err instanceof WebhookVerificationError) return res.status(err.status).send(err.code);
 *     throw err;
 *   }
 * });
 */
export async function verifyWebhook(input: VerifyWebhookInput): Promise<VerifiedDelivery> {
  return cachedVerifier({ secret: input.secret, tolerance: input.tolerance, scheme: input.scheme ?? standardWebhooksScheme }).verify(input);
}

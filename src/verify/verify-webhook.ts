import { standardWebhooksScheme } from "./standard-webhooks.js";
import { cachedVerifier } from "./verifier-cache.js";
import type { VerifiedDelivery, VerifierOptions, VerifyInput } from "./verifier.js";

/**
 * What `verifyWebhook` takes: the request (body and headers) and the configuration.
 * @example const input: VerifyWebhookInput = { body: await request.text(), headers: request.headers, secret };
 */
export interface VerifyWebhookInput extends VerifyInput, VerifierOptions {}

/**
 * Verifies one delivery (signature over the exact bytes, timestamp, headers) and resolves
 * with `{ id, timestamp, body }`, or rejects with a `WebhookVerificationError` whose `code`
 * says what failed. Verifiers are cached per secret, so calling this per request is cheap.
 * @example
 * const { id, body } = await verifyWebhook({ body: req.body, headers: req.headers, secret: process.env.AGENTREF_WEBHOOK_SECRET! });
 */
export async function verifyWebhook(input: VerifyWebhookInput): Promise<VerifiedDelivery> {
  return cachedVerifier({ secret: input.secret, tolerance: input.tolerance, scheme: input.scheme ?? standardWebhooksScheme }).verify(input);
}

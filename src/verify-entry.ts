/**
 * `agentref-webhooks/verify`: signature and timestamp verification alone, for code
 * that only needs to know a delivery is genuine (an edge function, a Lambda that
 * queues the raw body). It loads neither zod nor the event catalog, so its cold
 * import costs about what the `standardwebhooks` package's does. Parse the verified
 * body yourself, or later with `parseEvent` from the root entry.
 *
 * It is built as one file (per format and runtime), sharing no chunk with the root
 * entry, so its error classes are copies of the root entry's; they carry a brand, so
 * `instanceof WebhookVerificationError` holds whichever entry threw and whichever
 * entry's class you check against.
 *
 * @example
 * import { verifyWebhook, WebhookVerificationError } from "agentref-webhooks/verify";
 *
 * export async function POST(request: Request): Promise<Response> {
 *   try {
 *     const { id, body } = await verifyWebhook({ body: await request.text(), headers: request.headers, secret: process.env.AGENTREF_WEBHOOK_SECRET! });
 *     await queue.send({ id, body });
 *     return new Response(null, { status: 202 });
 *   } catch (err) {
 *     if (err instanceof WebhookVerificationError) return new Response(err.code, { status: err.status });
 *     throw err;
 *   }
 * }
 */

export { verifyWebhook, type VerifyWebhookInput } from "./verify/verify-webhook.js";
export { createVerifier, type VerifiedDelivery, type Verifier, type VerifierOptions, type VerifyInput } from "./verify/verifier.js";
export {
  createStandardWebhooksScheme,
  standardWebhooksScheme,
  type StandardWebhooksSchemeOptions,
} from "./verify/standard-webhooks.js";
export {
  createHmacScheme,
  type HeaderFamily,
  type HmacSchemeOptions,
  type SignatureScheme,
  type SignedHeaders,
  type SignInput,
} from "./verify/scheme.js";
export { createHexHmacScheme, type HexHmacSchemeOptions } from "./verify/hex-hmac.js";
export type { HeadersInput } from "./verify/headers.js";
export type { SecretInput } from "./verify/secret.js";
export type { RawBody } from "./verify/body.js";
export type { DigestEncoding } from "./verify/crypto-types.js";
export {
  errorStatus,
  isWebhookError,
  WebhookBodyError,
  WebhookConfigError,
  WebhookError,
  WebhookPayloadError,
  WebhookVerificationError,
  type WebhookErrorCode,
} from "./errors/index.js";

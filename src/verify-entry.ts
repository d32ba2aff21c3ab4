// `agentref-webhooks/verify`: verification alone (no zod, no event catalog). Built self-contained,
// so its error classes are copies of the root entry's (see the brand in errors/webhook-error.ts).

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

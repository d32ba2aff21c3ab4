// The verification module's surface, for the providers and the tests.
export { verifyWebhook, type VerifyWebhookInput } from "./verify-webhook.js";
export {
  createVerifier,
  MAX_SIGNATURE_HEADER_LENGTH,
  type VerifiedDelivery,
  type Verifier,
  type VerifierOptions,
  type VerifyInput,
} from "./verifier.js";
export {
  createHmacScheme,
  DEFAULT_MAX_SIGNATURES,
  type HeaderFamily,
  type HmacSchemeOptions,
  type SignatureScheme,
  type SignedHeaders,
  type SignInput,
} from "./scheme.js";
export {
  createStandardWebhooksScheme,
  standardWebhooksScheme,
  SVIX_HEADERS,
  WEBHOOK_HEADERS,
  type StandardWebhooksSchemeOptions,
} from "./standard-webhooks.js";
export { createHexHmacScheme, type HexHmacSchemeOptions } from "./hex-hmac.js";
export { getHeader, toHeaderGetter, type HeaderGetter, type HeadersInput } from "./headers.js";
export {
  decodeRawSecret,
  decodeStandardWebhooksSecret,
  MIN_SECRET_BYTES,
  type SecretInput,
} from "./secret.js";
export type { RawBody } from "./body.js";
export { DEFAULT_TOLERANCE_SECONDS } from "./timestamp.js";
export type { DigestEncoding } from "./crypto-types.js";

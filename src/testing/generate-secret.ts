import { encodeBytes } from "../verify/encoding.js";

/**
 * Key bytes in a generated secret: what Svix issues and the Standard Webhooks examples use (24).
 * @example decodeStandardWebhooksSecret(generateSecret()).length === GENERATED_SECRET_BYTES; // true
 */
export const GENERATED_SECRET_BYTES = 24;

/**
 * A fresh random signing secret in the Standard Webhooks format (`whsec_` + 24 random bytes in
 * base64), like AgentRef's. Safe for real endpoints too.
 * @example
 * import { generateSecret } from "agentref-webhooks/testing";
 * const secret = generateSecret(); // "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"-like
 */
export function generateSecret(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(GENERATED_SECRET_BYTES));
  return `whsec_${encodeBytes(bytes, "base64")}`;
}

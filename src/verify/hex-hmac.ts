import { createHmacScheme, type HeaderFamily, type SignatureScheme } from "./scheme.js";
import { decodeRawSecret } from "./secret.js";

/**
 * What `createHexHmacScheme` takes.
 * @example const options: HexHmacSchemeOptions = { name: "acme", headers: acmeHeaders, signaturePrefix: "sha256=" };
 */
export interface HexHmacSchemeOptions extends Pick<SignatureScheme, "name"> {
  headers: HeaderFamily;
  /** The text signed before the body; default `${timestamp}.` (the id is not signed). */
  signedPrefix?: ((id: string, timestamp: string) => string) | undefined;
  /** Text before the hex digest in the header, e.g. "sha256="; default none. */
  signaturePrefix?: string | undefined;
  /** Shortest accepted secret in UTF-8 bytes; default 16. */
  minSecretBytes?: number | undefined;
}

/**
 * A scheme for a hex HMAC-SHA256 of `${timestamp}.${rawBody}` keyed with the secret's UTF-8
 * bytes, as Agiled documents. Hex digests compare case-insensitively.
 * @example
 * const scheme = createHexHmacScheme({ name: "agiled", headers: { id: "x-agiled-webhook-id", timestamp: "x-agiled-webhook-timestamp", signature: "x-agiled-webhook-signature" } });
 */
export function createHexHmacScheme(options: HexHmacSchemeOptions): SignatureScheme {
  return createHmacScheme({
    name: options.name,
    headerFamilies: [options.headers],
    signedPrefix: options.signedPrefix ?? ((_id, timestamp) => `${timestamp}.`),
    encoding: "hex",
    signaturePrefix: options.signaturePrefix ?? "",
    decodeSecret: (secret) => decodeRawSecret(secret, options.minSecretBytes),
  });
}

/**
 * The platform crypto boundary, `#crypto`: `crypto-node.ts` (Node, Bun, Deno) or
 * `crypto-web.ts` (WebCrypto), chosen by package.json "imports" conditions. Methods may
 * answer synchronously (node): callers await only promises, saving the node path a microtask.
 */
export interface PlatformCrypto {
  /** "node" or "web": which implementation is loaded. */
  readonly name: "node" | "web";
  /** Prepare an HMAC-SHA256 key once per secret (a KeyObject, or an imported CryptoKey). */
  importHmacKey(raw: Uint8Array): Promise<HmacKey>;
  /** HMAC-SHA256 over the concatenation of `parts` (strings are UTF-8), encoded as in a signature header. */
  hmacSha256(key: HmacKey, parts: readonly (string | Uint8Array)[], encoding: DigestEncoding): Promise<string> | string;
  /** SHA-256 of the body, hex: the body fingerprint kept in idempotency records. */
  sha256Hex(data: string | Uint8Array): Promise<string> | string;
}

/**
 * How a digest is written in a signature header. `base64` is padded; `base64url` is not.
 * @example const encoding: DigestEncoding = "hex"; // Agiled
 */
export type DigestEncoding = "base64" | "base64url" | "hex";

/** An opaque, platform-specific prepared key. */
export type HmacKey = { readonly __hmacKey: true };

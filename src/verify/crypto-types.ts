/**
 * The platform crypto boundary. Two implementations exist, `crypto-node.ts`
 * (node:crypto: Node, Bun, Deno) and `crypto-web.ts` (WebCrypto: workers, edge,
 * browsers), chosen by package.json "imports" conditions under the specifier
 * `#crypto`. Both export `platformCrypto: PlatformCrypto`.
 */
export interface PlatformCrypto {
  /** "node" or "web": which implementation is loaded. */
  readonly name: "node" | "web";
  /** Prepare an HMAC-SHA256 key once per secret (a KeyObject, or an imported CryptoKey). */
  importHmacKey(raw: Uint8Array): Promise<HmacKey>;
  /** HMAC-SHA256 over the concatenation of `parts` (no copy where the platform allows). */
  hmacSha256(key: HmacKey, parts: readonly (string | Uint8Array)[]): Promise<Uint8Array> | Uint8Array;
  /** Constant-time equality of two equal-length byte arrays (false when lengths differ). */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /** SHA-256 of the body, hex: the body fingerprint kept in idempotency records. */
  sha256Hex(data: string | Uint8Array): Promise<string> | string;
}

/** An opaque, platform-specific prepared key. */
export type HmacKey = { readonly __hmacKey: true };

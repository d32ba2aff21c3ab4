import type { HmacKey, PlatformCrypto } from "./crypto-types.js";
import { concatBytes, encodeBytes, utf8Bytes } from "./encoding.js";

// Resolved lazily so that importing this module never touches `crypto` at load time.
const subtle = (): SubtleCrypto => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error("WebCrypto (globalThis.crypto.subtle) is not available in this runtime");
  return s;
};

// Keys imported per secret, so repeated signing in tests does not re-import; bounded
// because secrets are few (one per endpoint, two during a rotation).
const keyCache = new Map<string, Promise<HmacKey>>();
const KEY_CACHE_LIMIT = 64;

/** The WebCrypto implementation (workers, edge runtimes, browsers); keys are imported once and cached. */
export const platformCrypto: PlatformCrypto = {
  name: "web",
  importHmacKey(raw) {
    const id = encodeBytes(raw, "base64");
    let key = keyCache.get(id);
    if (!key) {
      key = subtle()
        .importKey("raw", raw.slice() as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
        .then((k) => k as unknown as HmacKey);
      key.catch(() => keyCache.delete(id));
      if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
      keyCache.set(id, key);
    }
    return key;
  },
  async hmacSha256(key, parts, encoding) {
    const data = concatBytes(parts.map((part) => (typeof part === "string" ? utf8Bytes(part) : part)));
    const digest = await subtle().sign("HMAC", key as unknown as CryptoKey, data as Uint8Array<ArrayBuffer>);
    return encodeBytes(new Uint8Array(digest), encoding);
  },
  async sha256Hex(data) {
    const bytes = typeof data === "string" ? utf8Bytes(data) : data;
    const digest = await subtle().digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
    return encodeBytes(new Uint8Array(digest), "hex");
  },
};

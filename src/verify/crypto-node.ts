import * as nodeCrypto from "node:crypto";
import {
  createHash,
  createHmac,
  createSecretKey,
  timingSafeEqual as nodeTimingSafeEqual,
  type KeyObject,
} from "node:crypto";
import type { DigestEncoding, HmacKey, PlatformCrypto } from "./crypto-types.js";

// A KeyObject is validated and copied once, so each HMAC skips re-importing the raw key.
const asKeyObject = (key: HmacKey): KeyObject => key as unknown as KeyObject;

// crypto.hash (Node >= 20.12 / 21.7) hashes in one native call, without the Hash
// object createHash builds: measured ~2x faster on a 0.4 KB body. Read from the
// namespace so that older runtimes, where it is missing, fall back instead of failing to link.
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: "hex") => string }).hash;

function hmac(key: HmacKey, parts: readonly (string | Uint8Array)[]) {
  const h = createHmac("sha256", asKeyObject(key));
  // Separate updates: the body is never copied into a concatenated string.
  for (const part of parts) h.update(part);
  return h;
}

/**
 * The node:crypto implementation (Node, Bun, Deno): `createHmac` with a
 * `KeyObject`, and node's `timingSafeEqual`. Everything answers synchronously.
 *
 * @example
 * import { platformCrypto } from "#crypto";
 * platformCrypto.name; // "node" under Node, Bun and Deno
 */
export const platformCrypto: PlatformCrypto = {
  name: "node",
  importHmacKey(raw: Uint8Array): Promise<HmacKey> {
    return Promise.resolve(createSecretKey(raw) as unknown as HmacKey);
  },
  hmacSha256(key, parts) {
    return new Uint8Array(hmac(key, parts).digest());
  },
  hmacSha256Encoded(key, parts, encoding: DigestEncoding) {
    return hmac(key, parts).digest(encoding);
  },
  timingSafeEqual(a, b) {
    return a.byteLength === b.byteLength && nodeTimingSafeEqual(a, b);
  },
  sha256Hex(data) {
    return oneShotHash ? oneShotHash("sha256", data, "hex") : createHash("sha256").update(data).digest("hex");
  },
};

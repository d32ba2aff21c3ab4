import type { DigestEncoding } from "./crypto-types.js";

// Platform-neutral codecs: WebCrypto has none, and secret decoding must be
// identical on every runtime, so neither `Buffer` nor `atob` is used here.

const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX = "0123456789abcdef";

const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  DECODE[STD.charCodeAt(i)] = i;
  DECODE[URL.charCodeAt(i)] = i;
}

/** Encodes bytes as base64 (padded), base64url (unpadded) or lowercase hex. */
export function encodeBytes(bytes: Uint8Array, encoding: DigestEncoding): string {
  if (encoding === "hex") {
    let out = "";
    for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
    return out;
  }
  const alphabet = encoding === "base64" ? STD : URL;
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]!;
    out += rest === 2 ? alphabet[(n >> 6) & 63]! : "";
    if (encoding === "base64") out += rest === 2 ? "=" : "==";
  }
  return out;
}

/** Why a base64 text could not be decoded (used to word the INVALID_SECRET message). */
export type Base64Problem = "empty" | "character" | "mixed-alphabets" | "length" | "padding";

/** Decodes base64 or base64url, padded or not; a mix of both alphabets means a typo or a wrong prefix. */
export function decodeBase64(text: string): Uint8Array | Base64Problem {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  const padding = text.length - end;
  if (end === 0) return "empty";
  if (padding > 2 || (padding > 0 && text.length % 4 !== 0)) return "padding";
  if (end % 4 === 1) return "length";
  let std = false;
  let url = false;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || DECODE[c] === -1) return "character";
    if (c === 43 || c === 47) std = true;
    else if (c === 45 || c === 95) url = true;
  }
  if (std && url) return "mixed-alphabets";
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    acc = (acc << 6) | DECODE[text.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/** Decodes UTF-8 exactly: a BOM is kept, invalid sequences give `undefined` (not U+FFFD). */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Joins chunks (no copy when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], total = chunks.reduce((n, c) => n + c.byteLength, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

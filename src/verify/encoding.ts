import type { DigestEncoding } from "./crypto-types.js";

// atob and btoa exist on every runtime (Buffer does not). Base64 text is validated before
// atob sees it, since atob forgives whitespace and loose padding: a secret decodes the same everywhere.

/** Encodes bytes as base64 (padded), base64url (unpadded) or lowercase hex. */
export function encodeBytes(bytes: Uint8Array, encoding: DigestEncoding): string {
  if (encoding === "hex") return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const base64 = btoa(binary);
  return encoding === "base64" ? base64 : base64.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Why a base64 text could not be decoded (used to word the INVALID_SECRET message). */
export type Base64Problem = "empty" | "character" | "mixed-alphabets" | "length" | "padding";

/** Decodes base64 or base64url, padded or not; a mix of both alphabets means a typo or a wrong prefix. */
export function decodeBase64(text: string): Uint8Array | Base64Problem {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  const digits = text.slice(0, end);
  const padding = text.length - end;
  if (digits.length === 0) return "empty";
  if (padding > 2 || (padding > 0 && text.length % 4 !== 0)) return "padding";
  if (digits.length % 4 === 1) return "length";
  if (!/^[\w+/-]*$/.test(digits)) return "character";
  if (/[+/]/.test(digits) && /[-_]/.test(digits)) return "mixed-alphabets";
  return Uint8Array.from(atob(digits.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
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

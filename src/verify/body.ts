import { bodyAlreadyParsed, WebhookPayloadError } from "../errors/index.js";
import { decodeUtf8Strict } from "./encoding.js";

/**
 * The raw request body exactly as received: a string or bytes. A parsed object cannot be
 * verified: signatures cover bytes, and re-serializing never restores them.
 * @example const body: RawBody = req.body; // with express.raw({ type: "application/json" })
 */
export type RawBody = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/**
 * The body as a string or bytes ready to be signed, without copying.
 * @throws WebhookBodyError `BODY_ALREADY_PARSED` for anything else (a parsed
 *   object, `undefined` when no raw body parser ran, a number…).
 */
export function signableBody(body: unknown): string | Uint8Array {
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  // The tag check also recognizes an ArrayBuffer from another realm (vm, iframes).
  if (body instanceof ArrayBuffer || Object.prototype.toString.call(body) === "[object ArrayBuffer]") {
    return new Uint8Array(body as ArrayBuffer);
  }
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body === undefined || body === null) {
    throw bodyAlreadyParsed(`The request body is ${String(body)}: no raw body reached the verifier (a body parser consumed it, or none ran).`);
  }
  throw bodyAlreadyParsed(`The request body is ${Array.isArray(body) ? "an array" : `a ${typeof body}`}, so it was already parsed (by express.json()?).`);
}

/** The verified body as text; bytes that are not UTF-8 are `INVALID_JSON` (authentic but unusable). */
export function bodyText(body: string | Uint8Array): string {
  if (typeof body === "string") return body;
  const text = decodeUtf8Strict(body);
  if (text === undefined) {
    throw new WebhookPayloadError(
      "INVALID_JSON",
      "The verified body is not valid UTF-8, so it cannot be JSON. The signature matched: report this delivery to the sender.",
    );
  }
  return text;
}

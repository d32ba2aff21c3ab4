import { bodyAlreadyParsed, WebhookBodyError } from "../errors/index.js";

/**
 * Limits applied while reading a body.
 *
 * @example
 * await readRequestBody(request, { maxBytes: 1 << 20, timeoutMs: 10_000 });
 */
export interface BodyLimits {
  /** Abort past this many bytes, whatever `Content-Length` claims. */
  maxBytes: number;
  /** Abort when the whole body has not arrived within this time (slow-trickle clients). */
  timeoutMs: number;
}

/**
 * 1 MiB: AgentRef envelopes are ~0.4 KB; anything near this is not a real delivery.
 *
 * @example
 * createHandler({ secret, maxBodyBytes: 4 * DEFAULT_MAX_BODY_BYTES, on: {} });
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * A client that has not sent its whole body in 10 s is answered 408 and its connection freed.
 *
 * @example
 * createHandler({ secret, bodyTimeoutMs: DEFAULT_BODY_TIMEOUT_MS / 2, on: {} });
 */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

const tooLarge = (maxBytes: number) =>
  new WebhookBodyError(
    "BODY_TOO_LARGE",
    `The body exceeds maxBodyBytes (${maxBytes} bytes). Raise maxBodyBytes if your deliveries are really this large.`,
  );

const tooSlow = (timeoutMs: number) => new WebhookBodyError("BODY_TIMEOUT", `The body did not arrive within ${timeoutMs} ms.`);

/**
 * Reads a request's body within the limits: a declared `Content-Length` over the limit
 * is refused before a byte is read, and a running byte counter stops a chunked or lying
 * body at the limit. The stream is cancelled as soon as a limit is passed, so the rest
 * of an attacker's body is never read. Throws `WebhookBodyError` (`BODY_TOO_LARGE`,
 * `BODY_TIMEOUT`, or `BODY_ALREADY_PARSED` when something read the body first).
 *
 * @example
 * const bytes = await readRequestBody(request, { maxBytes: DEFAULT_MAX_BODY_BYTES, timeoutMs: DEFAULT_BODY_TIMEOUT_MS });
 */
export async function readRequestBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  // Not a byte is read. The stream is left to the runtime rather than cancelled: a cancel
  // makes some (workerd) reset the connection while the sender is still writing, so the
  // sender sees a connection error instead of the 413. The Node adapter closes the
  // connection itself after a 413.
  if (declared > limits.maxBytes) throw tooLarge(limits.maxBytes);
  if (request.bodyUsed || request.body?.locked) {
    throw bodyAlreadyParsed(
      "The request body was already read (request.text() or request.json() was called, or the body was piped elsewhere) before the webhook handler got it.",
    );
  }
  if (!request.body) return new Uint8Array(0);

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, limits.timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) throw tooSlow(limits.timeoutMs);
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxBytes) {
        reader.cancel().catch(() => {});
        throw tooLarge(limits.maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (timedOut) throw tooSlow(limits.timeoutMs);
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return concatBytes(chunks, total);
}

/**
 * Joins chunks (no copy when there is only one).
 *
 * @example
 * concatBytes([new Uint8Array([1]), new Uint8Array([2])]); // Uint8Array [1, 2]
 */
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

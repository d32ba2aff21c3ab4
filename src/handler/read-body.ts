import { WebhookError } from "../errors/index.js";
import { startDeadline } from "./deadlines.js";

/**
 * Limits applied while reading a body.
 *
 * @example
 * await readBody(request.body, { maxBytes: 1 << 20, timeoutMs: 10_000 });
 */
export interface ReadBodyLimits {
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

/**
 * BODY_TOO_LARGE with the limit in the message.
 *
 * @example
 * if (received > limit) throw bodyTooLarge(limit);
 */
export function bodyTooLarge(maxBytes: number): WebhookError {
  return new WebhookError(
    "BODY_TOO_LARGE",
    `The body exceeds maxBodyBytes (${maxBytes} bytes). Raise maxBodyBytes if your deliveries are really this large.`,
  );
}

/**
 * BODY_TIMEOUT with the deadline in the message.
 *
 * @example
 * setTimeout(() => reject(bodyTimeout(10_000)), 10_000);
 */
export function bodyTimeout(timeoutMs: number): WebhookError {
  return new WebhookError("BODY_TIMEOUT", `The body did not arrive within ${timeoutMs} ms.`);
}

/**
 * A declared Content-Length over the limit lets us answer 413 without reading a byte.
 *
 * @example
 * if (declaredTooLarge(req.headers["content-length"], maxBytes)) return answer413();
 */
export function declaredTooLarge(contentLength: string | null | undefined, maxBytes: number): boolean {
  if (!contentLength) return false;
  const declared = Number(contentLength);
  return Number.isFinite(declared) && declared > maxBytes;
}

/**
 * Reads a Web stream into bytes with a running byte counter, so a chunked body or a
 * lying `Content-Length` cannot get past `maxBytes`; the stream is cancelled as soon
 * as the limit or the deadline is passed.
 *
 * @example
 * const bytes = await readBody(request.body, { maxBytes: DEFAULT_MAX_BODY_BYTES, timeoutMs: DEFAULT_BODY_TIMEOUT_MS });
 */
export async function readBody(stream: ReadableStream<Uint8Array> | null, limits: ReadBodyLimits): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timedOut = false;
  // Cancelling ends the pending read with `done`: no race promise per chunk.
  const stopDeadline = startDeadline(limits.timeoutMs, () => {
    timedOut = true;
    reader.cancel().catch(() => {});
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxBytes) {
        // Stop the sender: cancelling frees the connection instead of draining an attacker's body.
        reader.cancel().catch(() => {});
        throw bodyTooLarge(limits.maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (timedOut) throw bodyTimeout(limits.timeoutMs);
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    stopDeadline();
  }
  if (timedOut) throw bodyTimeout(limits.timeoutMs);
  // The stream is done: the lock is not released (that costs a promise and ~2 µs per
  // delivery), and nothing can read a finished body again anyway.
  return concat(chunks, total);
}

/**
 * Joins chunks without a copy when there is only one.
 *
 * @example
 * concat([new Uint8Array([1]), new Uint8Array([2])], 2); // Uint8Array [1, 2]
 */
export function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

import { bodyAlreadyParsed, WebhookBodyError } from "../errors/index.js";
import { concatBytes } from "../verify/encoding.js";

/** Limits applied while reading a body: its size, and a deadline for the whole of it (slow-trickle clients). */
export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

/** 1 MiB: AgentRef envelopes are ~0.4 KB; anything near this is not a real delivery. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** A client that has not sent its whole body in 10 s is answered 408 and its connection freed. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

const tooLarge = (maxBytes: number) =>
  new WebhookBodyError(
    "BODY_TOO_LARGE",
    `The body exceeds maxBodyBytes (${maxBytes} bytes). Raise maxBodyBytes if your deliveries are really this large.`,
  );

const tooSlow = (timeoutMs: number) => new WebhookBodyError("BODY_TIMEOUT", `The body did not arrive within ${timeoutMs} ms.`);

/** Reads a request's body within the limits, counting bytes (whatever `Content-Length` claims); else `WebhookBodyError`. */
export async function readRequestBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  // The stream is not cancelled: workerd would reset the connection while the sender is
  // still writing, so it would never see the 413 (the Node adapter closes it itself).
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
      if (total > limits.maxBytes) throw tooLarge(limits.maxBytes);
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

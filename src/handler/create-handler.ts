import type { AnyProvider } from "../core/provider.js";
import { isWebhookError, WebhookError } from "../errors/index.js";
import type { AgentRefProvider } from "../providers/agentref.js";
import { createPipeline, type Pipeline } from "./pipeline.js";
import { declaredTooLarge, bodyTooLarge, readBody } from "./read-body.js";
import type { DeliveryResponse } from "./responses.js";
import type { CreateHandlerOptions, WebhookHandler } from "./types.js";

const pipelineKey = Symbol.for("agentref-webhooks.pipeline");

/**
 * Creates the receiver: one function, Web `Request` in, `Response` out, for any
 * framework. It reads the body within `maxBodyBytes` and `bodyTimeoutMs`, verifies
 * the signature, parses once, applies the filters, claims the event id in the
 * idempotency store, runs the handler for the event's type, and answers with the
 * status the README's table gives (never 410, never 3xx). It never throws.
 *
 * @example
 * import { createHandler } from "agentref-webhooks";
 *
 * export const POST = createHandler({
 *   secret: process.env.AGENTREF_WEBHOOK_SECRET!,
 *   on: {
 *     "conversion.created": async (event, ctx) => {
 *       await credit(event.data.affiliateId, event.data.commissionAmount);
 *     },
 *   },
 * });
 */
export function createHandler<P extends AnyProvider = AgentRefProvider, E extends boolean = false>(
  options: CreateHandlerOptions<P, E>,
): WebhookHandler {
  const pipeline = createPipeline(options);
  const handler: WebhookHandler = async (request) => {
    const receivedAt = new Date();
    if (request.method === "POST") {
      if (declaredTooLarge(request.headers.get("content-length"), pipeline.limits.maxBytes)) {
        // No byte of an oversized body is read, let alone hashed.
        request.body?.cancel().catch(() => {});
        return toResponse(pipeline.reject(bodyTooLarge(pipeline.limits.maxBytes), receivedAt));
      }
      if (request.bodyUsed || request.body?.locked) {
        // Reading it would throw, and a throw is not a slow client: say what happened.
        return toResponse(pipeline.reject(bodyAlreadyRead(), receivedAt));
      }
      let body: Uint8Array;
      try {
        body = await readBody(request.body, pipeline.limits);
      } catch (error) {
        const known = isWebhookError(error) ? error : new WebhookError("BODY_TIMEOUT", "The body could not be read.", { cause: error });
        return toResponse(pipeline.reject(known, receivedAt));
      }
      return toResponse(await pipeline.process({ method: "POST", headers: request.headers, body, receivedAt }));
    }
    return toResponse(await pipeline.process({ method: request.method, headers: request.headers, body: "", receivedAt }));
  };
  Object.defineProperty(handler, pipelineKey, { value: pipeline });
  return handler;
}

/**
 * @internal The pipeline behind a handler made by `createHandler`, for adapters that skip Request/Response.
 *
 * @example
 * const pipeline = pipelineOf(handler);
 * if (pipeline) await pipeline.process({ method: "POST", headers, body });
 */
export function pipelineOf(handler: WebhookHandler): Pipeline | undefined {
  return (handler as unknown as Record<symbol, Pipeline | undefined>)[pipelineKey];
}

const bodyAlreadyRead = () =>
  new WebhookError(
    "BODY_ALREADY_PARSED",
    "The request body was already read (request.text() / request.json() was called, or the body was piped elsewhere) before the webhook handler got it. Pass the original, unread Request: the signature covers the raw bytes.",
  );

function toResponse(result: DeliveryResponse): Response {
  return new Response(result.body, { status: result.status, headers: result.headers });
}

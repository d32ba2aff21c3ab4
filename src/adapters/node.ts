import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { WebhookError } from "../errors/index.js";
import { pipelineOf } from "../handler/create-handler.js";
import { startDeadline } from "../handler/deadlines.js";
import type { Pipeline } from "../handler/pipeline.js";
import { bodyTimeout, bodyTooLarge, declaredTooLarge } from "../handler/read-body.js";
import type { DeliveryResponse } from "../handler/responses.js";

/**
 * An `IncomingMessage` as frameworks hand it over: Express, Next.js (Pages Router)
 * and some body-parser plugins attach `body` and/or `rawBody` to it.
 *
 * @example
 * const req: NodeRequest = expressRequest; // express.Request extends IncomingMessage
 */
export type NodeRequest = IncomingMessage & { body?: unknown; rawBody?: unknown };

/**
 * The function `toNodeHandler` returns: a node:http request listener that is also
 * an Express / Connect middleware and a Next.js Pages Router API route. The promise
 * resolves once the answer is written (or the client went away); it never rejects,
 * and `next` is never called: every request is answered here, so no error page of
 * another middleware can turn a webhook answer into a status the sender misreads.
 *
 * @example
 * const listener: NodeHandler = toNodeHandler(handler);
 * http.createServer(listener).listen(3000);
 */
export type NodeHandler = (req: NodeRequest, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void>;

const PARSED_FIX =
  "The signature covers the raw bytes, so the webhook route needs the unparsed body. " +
  'Express: use express.raw({ type: "application/json" }) on this route instead of express.json(), or mount the route before app.use(express.json()) (a global express.json() runs first). ' +
  "Next.js Pages Router: export const config = { api: { bodyParser: false } }. " +
  'Fastify: register the route in a scope whose content-type parser leaves the body unread and call reply.hijack() (see the "agentref-webhooks/node" docs).';

const alreadyParsed = (what: string): WebhookError =>
  new WebhookError("BODY_ALREADY_PARSED", `${what} ${PARSED_FIX}`);

/**
 * Mounts a webhook handler on Node's HTTP stack: node:http, Express 4 and 5,
 * Fastify (through `request.raw` / `reply.raw`), Connect, and Next.js Pages Router
 * API routes.
 *
 * For a handler made by `createHandler` it skips Web `Request`/`Response`
 * altogether: it answers 413 at once when `Content-Length` declares more than
 * `maxBodyBytes`, otherwise reads the stream with a byte counter and stops at the
 * limit whatever the header says (chunked bodies and lying lengths included), and
 * answers 408 when the body has not arrived within `bodyTimeoutMs`. In both cases
 * the connection is closed instead of draining the rest of the body. Any other
 * `(Request) => Promise<Response>` function gets a Web `Request` (body streamed) and
 * its `Response` is streamed back.
 *
 * When a body parser ran first: a `req.rawBody` (string or Buffer) or a string /
 * Buffer `req.body` is used as the raw body; a parsed object is answered 500
 * `BODY_ALREADY_PARSED` with the fix in the message (`express.raw({ type:
 * "application/json" })` on this route, or mount it before `express.json()`;
 * `bodyParser: false` in Next.js).
 *
 * It never throws and never leaves a request unanswered.
 *
 * @example
 * // node:http
 * import http from "node:http";
 * import { createHandler } from "agentref-webhooks";
 * import { toNodeHandler } from "agentref-webhooks/node";
 *
 * const handler = createHandler({ secret: process.env.AGENTREF_WEBHOOK_SECRET!, on: {} });
 * http.createServer(toNodeHandler(handler)).listen(3000);
 *
 * @example
 * // Express 4 / 5: no express.json() before this route (or express.raw() on it)
 * app.post("/webhooks/agentref", toNodeHandler(handler));
 * app.use(express.json()); // the rest of the app
 *
 * @example
 * // Next.js Pages Router: pages/api/webhooks/agentref.ts
 * export const config = { api: { bodyParser: false } };
 * export default toNodeHandler(handler);
 *
 * @example
 * // Fastify: a scope whose parser leaves the body unread, and reply.hijack()
 * const webhooks = toNodeHandler(handler);
 * app.register(async (scope) => {
 *   scope.removeAllContentTypeParsers();
 *   scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
 *   scope.post("/webhooks/agentref", (request, reply) => {
 *     reply.hijack();
 *     return webhooks(request.raw, reply.raw);
 *   });
 * });
 */
export function toNodeHandler(handler: (request: Request) => Response | Promise<Response>): NodeHandler {
  const pipeline = pipelineOf(handler as (request: Request) => Promise<Response>);
  if (pipeline) return (req, res) => handleWithPipeline(pipeline, req, res).catch((error: unknown) => crash(res, error));
  return (req, res) => handleWithFetch(handler, req, res).catch((error: unknown) => crash(res, error));
}

// ---------------------------------------------------------------------------------
// Fast path: the pipeline of a createHandler handler, no Web Request/Response.

async function handleWithPipeline(pipeline: Pipeline, req: NodeRequest, res: ServerResponse): Promise<void> {
  const receivedAt = new Date();
  const method = req.method ?? "GET";
  if (method !== "POST") {
    // Whatever body a GET/PUT carries is not worth draining.
    if (hasBody(req.headers)) res.setHeader("connection", "close");
    return write(res, await pipeline.process({ method, headers: req.headers, body: "", receivedAt }));
  }

  const preRead = bodyFromParser(req);
  if (preRead instanceof WebhookError) return write(res, pipeline.reject(preRead, receivedAt));
  let body = preRead;
  if (body === undefined) {
    const { maxBytes, timeoutMs } = pipeline.limits;
    if (declaredTooLarge(req.headers["content-length"], maxBytes)) {
      // No byte of an oversized body is read, let alone hashed.
      return closeWith(req, res, pipeline.reject(bodyTooLarge(maxBytes), receivedAt));
    }
    const read = await readNodeBody(req, maxBytes, timeoutMs);
    if (read === GONE) return;
    if (read instanceof WebhookError) return closeWith(req, res, pipeline.reject(read, receivedAt));
    body = read;
  }
  write(res, await pipeline.process({ method, headers: req.headers, body, receivedAt }));
}

/**
 * What an earlier body parser left: bytes to use, an error, or undefined when the
 * stream is still untouched and must be read.
 */
function bodyFromParser(req: NodeRequest): Uint8Array | string | WebhookError | undefined {
  const { rawBody, body } = req;
  if (typeof rawBody === "string" || rawBody instanceof Uint8Array) return rawBody;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  const consumed = req.readableDidRead || req.readableEnded;
  if (body !== undefined && body !== null) {
    // body-parser 1.x (Express 4) sets `req.body = {}` even when it skips a request:
    // the stream is then still unread, and the raw bytes still available.
    if (!consumed) return undefined;
    return alreadyParsed(
      `The request body was already parsed into ${Array.isArray(body) ? "an array" : `a ${typeof body}`} by a body parser (express.json()?).`,
    );
  }
  if (consumed) return alreadyParsed("The request stream was already read by something before this handler, which left no raw body.");
  return undefined;
}

const GONE = Symbol("client gone");

/**
 * Reads the request with a running byte counter and a deadline. Resolves with the
 * bytes, a WebhookError (too large / too slow: the caller closes the connection),
 * or GONE when the client disconnected (nothing left to answer).
 */
function readNodeBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Uint8Array | WebhookError | typeof GONE> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (result: Uint8Array | WebhookError | typeof GONE) => {
      stopDeadline();
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        // Stop pulling: the connection is closed after the 413 instead of reading on.
        req.pause();
        settle(bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    const onClose = () => settle(GONE);
    const stopDeadline = startDeadline(timeoutMs, () => {
      req.pause();
      settle(bodyTimeout(timeoutMs));
    });
    // An aborted request emits "error" only when someone listens; keep a listener for
    // good so a reset after we stopped reading can never crash the process.
    if (req.listenerCount("error") === 0) req.on("error", noop);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
  });
}

function noop(): void {}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers["content-length"];
  return headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** How long, and how many more bytes, a rejected sender gets to read its answer before the socket is destroyed. */
const LINGER_MS = 1_000;
const LINGER_BYTES = 1024 * 1024;

/**
 * Answers and closes the connection, so the rest of an oversized or slow body is
 * never read in full. The close lingers briefly: destroying a socket with unread
 * bytes makes the kernel send a reset, which can reach a sender that is still
 * writing before it has read the answer; it would then see a connection error
 * instead of the 413 / 408.
 */
function closeWith(req: IncomingMessage, res: ServerResponse, response: DeliveryResponse): void {
  if (!res.headersSent) res.setHeader("connection", "close");
  const socket = req.socket as (IncomingMessage["socket"] & { destroySoon?: () => void }) | null;
  if (socket && typeof socket.destroySoon === "function") {
    // node:http calls destroySoon once a "connection: close" answer is flushed.
    socket.destroySoon = () => linger(req, socket);
  }
  write(res, response);
}

function linger(req: IncomingMessage, socket: NonNullable<IncomingMessage["socket"]>): void {
  socket.end(); // FIN after the answer: the sender sees the response, then the end
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  let discarded = 0;
  req.removeAllListeners("data");
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) socket.destroy();
  });
  req.resume();
}

function write(res: ServerResponse, response: DeliveryResponse): void {
  if (res.writableEnded || res.destroyed) return;
  if (res.headersSent) {
    res.end();
    return;
  }
  // A known length spares the chunked framing of a body this small.
  res.writeHead(response.status, { ...response.headers, "content-length": Buffer.byteLength(response.body) });
  res.end(response.body);
}

/** The last resort: a bug in this adapter still gets an answer, never a hang. */
function crash(res: ServerResponse, error: unknown): void {
  try {
    if (res.writableEnded || res.destroyed) return;
    if (res.headersSent) {
      res.destroy(error instanceof Error ? error : undefined);
      return;
    }
    res.writeHead(500, { "content-type": "application/json; charset=utf-8", connection: "close" });
    res.end(JSON.stringify({ ok: false, code: "HANDLER_FAILED", message: "The webhook adapter failed unexpectedly." }));
  } catch {
    // Nothing more can be done for this socket.
  }
}

// ---------------------------------------------------------------------------------
// Fallback: any (Request) => Promise<Response> function.

async function handleWithFetch(handler: (request: Request) => Response | Promise<Response>, req: NodeRequest, res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.once("close", onClose);

  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers: toWebHeaders(req.headers), signal: controller.signal };
  if (method !== "GET" && method !== "HEAD") {
    const preRead = bodyFromParser(req);
    if (preRead instanceof WebhookError) {
      res.writeHead(preRead.status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ ok: false, ...preRead.toJSON() }));
      return;
    }
    init.body = (preRead ?? Readable.toWeb(req)) as BodyInit;
    init.duplex = "half";
  }

  let response: Response;
  try {
    response = await handler(new Request(requestUrl(req), init));
  } catch (error) {
    crash(res, error);
    return;
  }
  await sendWebResponse(res, response);
}

function requestUrl(req: IncomingMessage): string {
  const host = req.headers.host ?? "localhost";
  const secure = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  // Express rewrites req.url under a mount path; originalUrl keeps the full path.
  const path = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "/";
  return `${secure ? "https" : "http"}://${host}${path.startsWith("/") ? path : `/${path}`}`;
}

function toWebHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    // HTTP/2 pseudo-headers (":path") are not valid header names.
    if (value === undefined || name.startsWith(":")) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.append(name, value);
  }
  return out;
}

async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (response.statusText) res.writeHead(response.status, response.statusText, headers);
  else res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (res.destroyed) break;
      if (!res.write(chunk)) await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  } finally {
    if (!res.writableEnded && !res.destroyed) res.end();
  }
}

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { bodyAlreadyParsed, type WebhookError } from "../errors/index.js";
import { adapterFailure } from "../lifecycle/answer.js";
import { requestUrl } from "./request-url.js";

/**
 * An `IncomingMessage` as frameworks hand it over, perhaps with `body` and/or `rawBody` attached.
 * @example const req: NodeRequest = expressRequest; // express.Request extends IncomingMessage
 */
export type NodeRequest = IncomingMessage & { body?: unknown; rawBody?: unknown };

/**
 * A node:http listener, Express / Connect middleware and Next.js API route. It never rejects and never calls `next`.
 * @example const listener: NodeHandler = toNodeHandler(handler);
 */
export type NodeHandler = (req: NodeRequest, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void>;

/**
 * Mounts a `(Request) => Response` handler on node:http, Express, Connect, Fastify (`request.raw` / `reply.raw`) or a
 * Next.js Pages Router API route, streaming the body; a 413 or 408 closes the connection. A `req.rawBody`, or a string
 * or Buffer `req.body`, is the raw body; a parsed object is answered 500 `BODY_ALREADY_PARSED`. It never throws.
 * @example http.createServer(toNodeHandler(createHandler({ secret: process.env.AGENTREF_WEBHOOK_SECRET!, on: {} }))).listen(3000);
 */
export function toNodeHandler(handler: (request: Request) => Response | Promise<Response>): NodeHandler {
  return (req, res) => handle(handler, req, res).catch((error: unknown) => crash(res, error));
}

async function handle(handler: (request: Request) => Response | Promise<Response>, req: NodeRequest, res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers: toWebHeaders(req.headers), signal: controller.signal };
  if (method !== "GET" && method !== "HEAD") {
    const preRead = bodyFromParser(req);
    if (preRead instanceof Error) return writeError(res, preRead);
    init.body = (preRead ?? nodeBodyStream(req)) as BodyInit;
    init.duplex = "half";
  }
  const response = await handler(new Request(urlOf(req), init));
  // The handler stopped reading an oversized or too slow body: close rather than let the sender keep writing.
  const close = response.status === 413 || response.status === 408 || (init.body !== undefined && !req.readableEnded && !req.destroyed);
  await sendWebResponse(res, response, close ? req : undefined);
}

/** What an earlier body parser left: bytes to use, an error, or undefined (read the stream). */
function bodyFromParser(req: NodeRequest): Uint8Array | string | WebhookError | undefined {
  const { rawBody, body } = req;
  if (typeof rawBody === "string" || rawBody instanceof Uint8Array) return rawBody;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  // An unread stream still has the raw bytes, whatever `req.body` says: body-parser 1.x (Express 4)
  // sets `req.body = {}` even when it skips a request.
  if (!req.readableDidRead && !req.readableEnded) return undefined;
  return bodyAlreadyParsed(
    body !== undefined && body !== null
      ? `The request body was already parsed into ${Array.isArray(body) ? "an array" : `a ${typeof body}`} by a body parser (express.json()?).`
      : "The request stream was already read by something before this handler, which left no raw body.",
  );
}

/** The request as a Web stream. Cancelling it only stops reading: the socket stays up for the answer. */
function nodeBodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let stop = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const onData = (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) req.pause();
      };
      const onEnd = () => {
        stop();
        controller.close();
      };
      const onClose = () => {
        stop();
        controller.error(new Error("the client closed the connection before the body was complete"));
      };
      stop = () => {
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("close", onClose);
      };
      // An aborted request emits "error" only when someone listens; keep a listener for
      // good so a reset after we stopped reading can never crash the process.
      if (req.listenerCount("error") === 0) req.on("error", () => {});
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("close", onClose);
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      stop();
      req.pause();
    },
  });
}

function urlOf(req: IncomingMessage): string {
  const secure = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  // Express rewrites req.url under a mount path; originalUrl keeps the full path.
  const path = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "/";
  return requestUrl(secure ? "https" : "http", req.headers.host ?? "localhost", path);
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

function writeError(res: ServerResponse, error: WebhookError): void {
  const body = JSON.stringify({ ok: false, code: error.code, message: error.message });
  res.writeHead(error.status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function sendWebResponse(res: ServerResponse, response: Response, closeAfter: IncomingMessage | undefined): Promise<void> {
  if (res.writableEnded || res.destroyed) {
    response.body?.cancel().catch(() => {});
    return;
  }
  const headers: Record<string, string | string[]> = Object.fromEntries([...response.headers].filter(([name]) => name !== "set-cookie"));
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (closeAfter) {
    headers.connection = "close";
    lingerOnClose(closeAfter);
  }
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (response.body) await pipeline(Readable.fromWeb(response.body as NodeWebStream), res);
  else res.end();
}

/** How long, and how many more bytes, a rejected sender gets to read its answer before the socket is destroyed. */
const LINGER_MS = 1_000;
const LINGER_BYTES = 1024 * 1024;

/**
 * node:http's `destroySoon()` destroys a socket with unread bytes, and the kernel's reset can beat our 413 / 408 to
 * the sender: so the socket is ended, later bytes dropped, and it is destroyed after LINGER_MS or LINGER_BYTES.
 */
function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket as (IncomingMessage["socket"] & { destroySoon?: () => void }) | null;
  if (!socket || typeof socket.destroySoon !== "function") return;
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    socket.end();
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
  };
}

/** The last resort: a bug in the handler or this adapter still gets an answer, never a hang. */
function crash(res: ServerResponse, error: unknown): void {
  try {
    if (res.writableEnded || res.destroyed) return;
    if (res.headersSent) {
      res.destroy(error instanceof Error ? error : undefined);
      return;
    }
    const { status, headers, body } = adapterFailure();
    res.writeHead(status, { ...headers, connection: "close" });
    res.end(body);
  } catch {
    // Nothing more can be done for this socket.
  }
}

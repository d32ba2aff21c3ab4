import http, { type IncomingHttpHeaders, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A started loopback server and how to stop it.
 *
 * @example
 * const server = await listen(toNodeHandler(handler));
 * await server.close();
 */
export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts `listener` (or an existing server) on 127.0.0.1 on a free port.
 *
 * @example
 * const { url, close } = await listen((req, res) => res.end("ok"));
 */
export async function listen(listener: RequestListener | Server): Promise<RunningServer> {
  const server = typeof listener === "function" ? http.createServer(listener) : listener;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * One HTTP answer, with the body as text and (when it is JSON) parsed.
 *
 * @example
 * const { status, json } = await send(port, { body });
 */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown> | undefined;
  /** Body bytes the client managed to write before it was answered or cut off. */
  sent: number;
}

/**
 * What `send` takes. A `body` is sent with a Content-Length; `chunks` are sent with
 * Transfer-Encoding: chunked, `delayMs` apart.
 *
 * @example
 * await send(port, { chunks: [Buffer.alloc(1024)], delayMs: 10 });
 */
export interface SendOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  chunks?: readonly (string | Buffer)[];
  /** Repeat `chunks` until this many bytes were sent (stops early once answered). */
  repeatUntilBytes?: number;
  delayMs?: number;
}

/**
 * Sends one request with node:http (so chunked bodies and raw control are possible)
 * and resolves with the answer, even when the server closes the connection early.
 *
 * @example
 * const answer = await send(server.port, { headers: signDelivery({ body }), body });
 */
export function send(port: number, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
    let answered = false;
    let sent = 0;
    const req = http.request(
      { host: "127.0.0.1", port, method: options.method ?? "POST", path: options.path ?? "/", headers, agent: false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, sent });
        });
      },
    );
    // The server may close while we are still writing (413, 408): only a missing answer is a failure.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    if (options.chunks === undefined) {
      sent = options.body === undefined ? 0 : Buffer.byteLength(options.body);
      req.end(options.body);
      return;
    }
    const chunks = options.chunks;
    let index = 0;
    const next = () => {
      if (answered || req.destroyed) return;
      const done = options.repeatUntilBytes === undefined ? index >= chunks.length : sent >= options.repeatUntilBytes;
      if (done) {
        req.end();
        return;
      }
      const chunk = chunks[index % chunks.length]!;
      index++;
      sent += Buffer.byteLength(chunk);
      const flushed = req.write(chunk);
      if (options.delayMs) setTimeout(next, options.delayMs);
      else if (flushed) setImmediate(next);
      else req.once("drain", next);
    };
    next();
  });
}

// Abuse at the HTTP layer, through real node:http servers on loopback and
// toNodeHandler: oversized bodies (declared, chunked, lying Content-Length),
// slow senders, huge signature headers, floods of invalid requests next to valid
// ones, and truncated signatures (CVE-2024-21491). Requests are written byte by
// byte on raw sockets, so nothing in a client library smooths them over.
import http, { type RequestListener, type Server } from "node:http";
import net, { type AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { agentref, createHandler, standardWebhooksScheme, WebhookVerificationError, type CreateHandlerOptions, type SignatureScheme } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { sampleEvents } from "../../src/events/samples.js";

const SECRET = `whsec_${Buffer.from("abuse-test-secret-32-bytes-long!").toString("base64")}`;
const LIMIT = 16 * 1024;
const conversion = JSON.stringify(sampleEvents["conversion.created"]);

// ---------------------------------------------------------------------------------
// Servers

interface Running {
  server: Server;
  port: number;
  handled: string[];
  counter: { hmacs: number };
  connections(): Promise<number>;
  close(): Promise<void>;
}

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

/** Counts HMAC computations: the verifier builds the signed prefix right before them. */
function countingScheme(): { scheme: SignatureScheme; counter: { hmacs: number } } {
  const counter = { hmacs: 0 };
  const scheme: SignatureScheme = {
    ...standardWebhooksScheme,
    signedPrefix(id, timestamp) {
      counter.hmacs++;
      return standardWebhooksScheme.signedPrefix(id, timestamp);
    },
  };
  return { scheme, counter };
}

/**
 * How the suites below hand the handler to the Node adapter: `createHandler`'s result as
 * it is, or wrapped (the adapter must behave the same for any fetch-style function).
 */
const arounds = {
  "createHandler's result": (h: (r: Request) => Promise<Response>) => h,
  "a logging wrapper": (h: (r: Request) => Promise<Response>) => async (r: Request) => h(r),
  "a Hono app's fetch": (h: (r: Request) => Promise<Response>) => new Hono().post("/webhooks/agentref", (c) => h(c.req.raw)).fetch,
};
let around: (h: (r: Request) => Promise<Response>) => (r: Request) => Response | Promise<Response> = arounds["createHandler's result"];

async function serve(
  options: Partial<CreateHandlerOptions> = {},
  server: { maxHeaderSize?: number; wrap?: (listener: RequestListener) => RequestListener } = {},
): Promise<Running> {
  const handled: string[] = [];
  const { scheme, counter } = countingScheme();
  const record = (_event: unknown, ctx: { eventId: string }) => void handled.push(ctx.eventId);
  const handler = createHandler({
    secret: SECRET,
    logger: {},
    provider: { ...agentref, scheme },
    maxBodyBytes: LIMIT,
    on: Object.fromEntries(Object.keys(sampleEvents).map((t) => [t, record])),
    ...options,
  } as CreateHandlerOptions);
  const nodeHandler = toNodeHandler(around(handler)) as unknown as RequestListener;
  const listener = server.wrap ? server.wrap(nodeHandler) : nodeHandler;
  const httpServer = http.createServer(server.maxHeaderSize ? { maxHeaderSize: server.maxHeaderSize } : {}, listener);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const r: Running = {
    server: httpServer,
    port,
    handled,
    counter,
    connections: () => new Promise((resolve, reject) => httpServer.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
    close: () =>
      new Promise((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
  running.push(r);
  return r;
}

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---------------------------------------------------------------------------------
// Signing

type Headers3 = { "svix-id": string; "svix-timestamp": string; "svix-signature": string };

function sign(body: string, options: { id?: string; at?: Date; secret?: string } = {}): Headers3 {
  const id = options.id ?? (JSON.parse(body) as { id: string }).id;
  const at = options.at ?? new Date();
  return {
    "svix-id": id,
    "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
    "svix-signature": new Webhook(options.secret ?? SECRET).sign(id, at, body),
  };
}

const withId = (id: string, type: keyof typeof sampleEvents = "conversion.created") => JSON.stringify({ ...sampleEvents[type], id });

// ---------------------------------------------------------------------------------
// A raw HTTP/1.1 client

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: Record<string, unknown> | undefined;
  /** Body bytes written before the answer arrived or the socket closed. */
  sent: number;
  /** The server closed the connection (after answering, or instead of it). */
  closed: boolean;
  ms: number;
}

interface RawRequest {
  method?: string;
  /** Header lines as sent, in order; duplicates allowed. */
  headers: [string, string][];
  /** Sent at once. */
  body?: Buffer | string;
  /** Sent one after another, `delayMs` apart (or as fast as the socket drains), until answered or `maxBytes` are out. */
  chunks?: { chunk: Buffer | string; delayMs?: number; maxBytes: number; chunked: boolean };
  /** Give up after this long (the test fails if no answer came). */
  timeoutMs?: number;
}

/** Sends one request on a fresh socket and resolves once answered and the socket closed (or after `lingerMs`). */
function raw(port: number, request: RawRequest, lingerMs = 1_000): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let sent = 0;
    let answered: Omit<RawAnswer, "closed" | "ms" | "sent"> | undefined;
    let closed = false;
    let finished = false;
    let linger: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => finish(new Error(`no answer within ${request.timeoutMs ?? 10_000} ms`)), request.timeoutMs ?? 10_000);

    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      clearTimeout(linger);
      socket.destroy();
      if (error) return reject(error);
      if (!answered) return reject(new Error(`the server closed the connection without answering (sent ${sent} bytes)`));
      resolve({ ...answered, sent, closed, ms: Date.now() - started });
    };

    const tryParse = () => {
      if (answered) return;
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine, ...lines] = received.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
      let bodyBytes: Buffer | undefined = received.subarray(end + 4);
      if (headers["transfer-encoding"] === "chunked") bodyBytes = dechunk(bodyBytes);
      else if (length !== undefined) bodyBytes = bodyBytes.length < length ? undefined : bodyBytes.subarray(0, length);
      else if (!closed) bodyBytes = undefined; // read until close
      if (bodyBytes === undefined) return;
      const text = bodyBytes.toString("utf8");
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      answered = { status: Number(statusLine!.split(" ")[1]), headers, text, json };
      linger = setTimeout(() => finish(), lingerMs);
    };

    socket.on("data", (data: Buffer) => {
      received = Buffer.concat([received, data]);
      tryParse();
    });
    socket.on("close", () => {
      closed = true;
      tryParse();
      finish();
    });
    socket.on("error", () => {
      // EPIPE / ECONNRESET while we are still writing: the server stopped us. Judged on close.
    });

    socket.on("connect", () => {
      // One request per connection: the server closes after answering, so "closed" is observable.
      const head = [`${request.method ?? "POST"} /webhooks/agentref HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...request.headers.map(([n, v]) => `${n}: ${v}`)];
      socket.write(`${head.join("\r\n")}\r\n\r\n`);
      if (request.body !== undefined) {
        socket.write(request.body);
        sent += Buffer.byteLength(request.body);
      }
      const plan = request.chunks;
      if (!plan) return;
      const next = () => {
        if (finished || answered || socket.destroyed || closed) return;
        if (sent >= plan.maxBytes) {
          if (plan.chunked) socket.write("0\r\n\r\n");
          return;
        }
        const size = Buffer.byteLength(plan.chunk);
        const frame = plan.chunked ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), Buffer.from(plan.chunk), Buffer.from("\r\n")]) : plan.chunk;
        sent += size;
        const flushed = socket.write(frame);
        if (plan.delayMs) setTimeout(next, plan.delayMs);
        else if (flushed) setImmediate(next);
        else socket.once("drain", next);
      };
      next();
    });
  });
}

/** A complete chunked body, decoded; undefined while the last chunk has not arrived. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

const signedLines = (body: string, extra: [string, string][] = [], signed: Partial<Headers3> = sign(body)): [string, string][] => [
  ["Content-Type", "application/json"],
  ...(Object.entries(signed) as [string, string][]),
  ...extra,
];

// ---------------------------------------------------------------------------------

describe.each(Object.keys(arounds) as (keyof typeof arounds)[])("given %s", (mode) => {
beforeAll(() => {
  around = arounds[mode];
});
afterAll(() => {
  around = arounds["createHandler's result"];
});

describe("bodies over the limit → 413, the handler and HMAC never run, the connection is closed", () => {
  it("Content-Length over the limit: answered before a single body byte is sent", async () => {
    const s = await serve();
    const answer = await raw(s.port, { headers: signedLines(conversion, [["Content-Length", String(10 * LIMIT)]]) });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ ok: false, code: "BODY_TOO_LARGE" });
    expect(answer.sent).toBe(0);
    expect(answer.closed).toBe(true);
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
    await eventually(async () => (await s.connections()) === 0);
  });

  it("Content-Length over the limit with the whole body sent anyway", async () => {
    const s = await serve();
    const body = Buffer.concat([Buffer.from(conversion), Buffer.alloc(4 * LIMIT, 0x20)]);
    const answer = await raw(s.port, { headers: signedLines(body.toString(), [["Content-Length", String(body.length)]], sign(conversion)), body });
    expect(answer.status).toBe(413);
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
    await eventually(async () => (await s.connections()) === 0);
  });

  it("chunked, no Content-Length: the byte counter stops the sender near the limit", async () => {
    const s = await serve();
    const answer = await raw(s.port, {
      headers: signedLines(conversion, [["Transfer-Encoding", "chunked"]]),
      chunks: { chunk: Buffer.alloc(1024, 0x20), maxBytes: 256 * 1024 * 1024, chunked: true },
      timeoutMs: 15_000,
    });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ code: "BODY_TOO_LARGE" });
    expect(answer.closed).toBe(true);
    // Cut off near the limit (plus socket buffers), nowhere near the 256 MiB on offer.
    expect(answer.sent).toBeLessThan(16 * 1024 * 1024);
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
    await eventually(async () => (await s.connections()) === 0);
  });

  it("a Content-Length within the limit but a longer body: only the declared bytes reach the SDK; never 2xx", async () => {
    // Node frames the body by Content-Length; the rest is parsed as another request
    // and answered 400 by Node itself. The SDK sees a truncated body: 401.
    const s = await serve();
    const body = Buffer.concat([Buffer.from(conversion), Buffer.alloc(4 * LIMIT, 0x41)]);
    const answer = await raw(s.port, { headers: signedLines(conversion, [["Content-Length", "100"]]), body });
    // 401 from the SDK for the truncated body, or Node's 400 for the rest if it comes first.
    expect([400, 401]).toContain(answer.status);
    expect(s.handled).toEqual([]);
    await eventually(async () => (await s.connections()) === 0);
  });

  it("a stream longer than the Content-Length a proxy layer reported: 413 by the byte counter", async () => {
    const s = await serve(
      {},
      {
        wrap: (listener) => (req, res) => {
          req.headers["content-length"] = "100"; // a lying upstream / middleware
          listener(req, res);
        },
      },
    );
    const answer = await raw(s.port, {
      headers: signedLines(conversion, [["Transfer-Encoding", "chunked"]]),
      chunks: { chunk: Buffer.alloc(4096, 0x20), maxBytes: 64 * 1024 * 1024, chunked: true },
      timeoutMs: 15_000,
    });
    expect(answer.status).toBe(413);
    expect(answer.sent).toBeLessThan(16 * 1024 * 1024);
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
  });

  it("Content-Length and Transfer-Encoding together (request smuggling shape): never reaches the handler", async () => {
    const s = await serve();
    const answer = await raw(s.port, {
      headers: signedLines(conversion, [
        ["Content-Length", "10"],
        ["Transfer-Encoding", "chunked"],
      ]),
      chunks: { chunk: Buffer.alloc(4096, 0x20), maxBytes: 8 * LIMIT, chunked: true },
    });
    // Node's parser refuses the combination (400) or frames by chunks (413): both stop it.
    expect([400, 413]).toContain(answer.status);
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
  });

  it("two different Content-Length headers: refused by Node before the SDK runs", async () => {
    const s = await serve();
    const answer = await raw(s.port, { headers: signedLines(conversion, [["Content-Length", "10"], ["Content-Length", String(conversion.length)]]), body: conversion });
    expect(answer.status).toBe(400);
    expect(s.handled).toEqual([]);
  });

  it("a body exactly at the limit is still accepted (the limit is inclusive)", async () => {
    const s = await serve();
    const body = JSON.stringify({ ...sampleEvents["conversion.created"], id: "msg_at_limit", pad: "" });
    const padded = body.replace('"pad":""', `"pad":"${"p".repeat(LIMIT - Buffer.byteLength(body))}"`);
    expect(Buffer.byteLength(padded)).toBe(LIMIT);
    const answer = await raw(s.port, { headers: signedLines(padded, [["Content-Length", String(LIMIT)]]), body: padded });
    expect(answer.status).toBe(200);
    expect(s.handled).toEqual(["msg_at_limit"]);
  });
});

describe("slow senders → 408 after bodyTimeoutMs, the connection freed", () => {
  const bodyTimeoutMs = 300;

  it.each([
    ["chunked, one byte every 50 ms", true],
    ["Content-Length, one byte every 50 ms", false],
  ])("%s", async (_name, chunked) => {
    const s = await serve({ bodyTimeoutMs });
    const lines = signedLines(conversion, chunked ? [["Transfer-Encoding", "chunked"]] : [["Content-Length", String(conversion.length)]]);
    const answer = await raw(s.port, { headers: lines, chunks: { chunk: "{", delayMs: 50, maxBytes: 10_000, chunked } });
    expect(answer.status).toBe(408);
    expect(answer.json).toMatchObject({ ok: false, code: "BODY_TIMEOUT" });
    expect(answer.ms).toBeGreaterThanOrEqual(bodyTimeoutMs - 20);
    expect(answer.ms).toBeLessThan(bodyTimeoutMs + 2_000);
    expect(answer.closed).toBe(true);
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
    await eventually(async () => (await s.connections()) === 0);
  });

  it("headers sent, body never: 408 and closed", async () => {
    const s = await serve({ bodyTimeoutMs });
    const answer = await raw(s.port, { headers: signedLines(conversion, [["Content-Length", "5000"]]) });
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
    await eventually(async () => (await s.connections()) === 0);
  });

  it("50 slow senders at once do not hold up valid deliveries, and all their connections are freed", async () => {
    const s = await serve({ bodyTimeoutMs });
    const slow = Array.from({ length: 50 }, () =>
      raw(s.port, { headers: signedLines(conversion, [["Transfer-Encoding", "chunked"]]), chunks: { chunk: " ", delayMs: 40, maxBytes: 10_000, chunked: true } }),
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const valid = await Promise.all(
      Array.from({ length: 10 }, (_, i) => {
        const body = withId(`msg_beside_slow_${i}`);
        return raw(s.port, { headers: signedLines(body, [["Content-Length", String(Buffer.byteLength(body))]]), body }, 0);
      }),
    );
    expect(valid.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(Date.now() - started).toBeLessThan(bodyTimeoutMs + 2_000);
    const answers = await Promise.all(slow);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([408]));
    expect(s.handled).toHaveLength(10);
    await eventually(async () => (await s.connections()) === 0);
  });

  it("a client that disconnects mid-body: nothing runs, nothing crashes, nothing stays open", async () => {
    const s = await serve({ bodyTimeoutMs: 2_000 });
    const socket = net.connect(s.port, "127.0.0.1");
    await new Promise<void>((r) => socket.once("connect", () => r()));
    const lines = signedLines(conversion, [["Content-Length", String(conversion.length)]]);
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\n${lines.map(([n, v]) => `${n}: ${v}`).join("\r\n")}\r\n\r\n${conversion.slice(0, 40)}`);
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await eventually(async () => (await s.connections()) === 0);
    // The server still serves.
    const body = withId("msg_after_abort");
    const answer = await raw(s.port, { headers: signedLines(body, [["Content-Length", String(body.length)]]), body }, 0);
    expect(answer.status).toBe(200);
    expect(s.handled).toEqual(["msg_after_abort"]);
  });
});

});

describe("huge signature headers → 401 without HMAC work", () => {
  const digest = () => Buffer.from(Array.from({ length: 32 }, () => Math.floor(Math.random() * 256))).toString("base64");

  it.each([
    ["10,000 well-formed v1 entries (~480 KB)", () => Array.from({ length: 10_000 }, () => `v1,${digest()}`).join(" ")],
    ["10,000 tiny entries", () => Array.from({ length: 10_000 }, () => "v1,A").join(" ")],
    ["33 entries (over the cap of 32, under 16 KiB)", () => Array.from({ length: 33 }, () => `v1,${digest()}`).join(" ")],
    ["one 200 KB entry", () => `v1,${"A".repeat(200_000)}`],
  ])("%s → 401 fast, no HMAC", async (_name, header) => {
    const s = await serve({}, { maxHeaderSize: 2 * 1024 * 1024 });
    const body = conversion;
    const signed = sign(body);
    const value = `${header()} ${signed["svix-signature"]}`; // the valid signature is in there too
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        raw(s.port, { headers: signedLines(body, [["Content-Length", String(body.length)]], { ...signed, "svix-signature": value }), body }, 0),
      ),
    );
    const elapsed = Date.now() - started;
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
    expect(answers[0]!.json).toMatchObject({ code: "INVALID_SIGNATURE" });
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
    // Generous on a shared CI box: the point is no work per entry, not a benchmark.
    expect(elapsed).toBeLessThan(5_000);
  });

  it("10,000 separate svix-signature header lines → 401, no HMAC", async () => {
    const s = await serve({}, { maxHeaderSize: 2 * 1024 * 1024 });
    const signed = sign(conversion);
    const lines: [string, string][] = [
      ["Content-Type", "application/json"],
      ["svix-id", signed["svix-id"]],
      ["svix-timestamp", signed["svix-timestamp"]],
      ...Array.from({ length: 10_000 }, (): [string, string] => ["svix-signature", `v1,${digest()}`]),
      ["svix-signature", signed["svix-signature"]],
      ["Content-Length", String(conversion.length)],
    ];
    const answer = await raw(s.port, { headers: lines, body: conversion });
    expect(answer.status).toBe(401);
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
  });

  it("with Node's default header limit, Node answers 431 itself and the SDK never runs", async () => {
    const s = await serve();
    const signed = sign(conversion);
    const value = Array.from({ length: 10_000 }, () => "v1,A").join(" ");
    const answer = await raw(s.port, { headers: signedLines(conversion, [["Content-Length", String(conversion.length)]], { ...signed, "svix-signature": value }), body: conversion });
    expect(answer.status).toBe(431);
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
  });

  it("two or three entries (a rotation) still verify", async () => {
    const s = await serve();
    const signed = sign(conversion);
    const value = `v1,${digest()} ${signed["svix-signature"]} v2,${digest()}`;
    const answer = await raw(s.port, { headers: signedLines(conversion, [["Content-Length", String(conversion.length)]], { ...signed, "svix-signature": value }), body: conversion });
    expect(answer.status).toBe(200);
    expect(s.counter.hmacs).toBe(1);
  });
});

describe("truncated and short signatures (CVE-2024-21491) → 401", () => {
  const body = conversion;
  const signed = sign(body);
  const valid = signed["svix-signature"];
  const validDigest = valid.slice(3);
  const cases: [string, string][] = [
    ["empty after v1,", "v1,"],
    ["v1 without a comma", "v1"],
    ["the first character of the digest", `v1,${validDigest.slice(0, 1)}`],
    ["half of the digest", `v1,${validDigest.slice(0, 22)}`],
    ["all but the last character", `v1,${validDigest.slice(0, -1)}`],
    ["the digest without its padding", `v1,${validDigest.replace(/=+$/, "")}`],
    ["the prefix padded to full length", `v1,${validDigest.slice(0, 22).padEnd(44, "A")}`],
    ["the digest plus one character", `v1,${validDigest}A`],
    ["the digest twice", `v1,${validDigest}${validDigest}`],
    ["a prefix beside junk entries", `v1,${validDigest.slice(0, 10)} v1,junk v2,${validDigest}`],
    ["the raw digest without v1,", validDigest],
    ["the digest under version v2", `v2,${validDigest}`],
    ["the digest in hex", `v1,${Buffer.from(validDigest, "base64").toString("hex")}`],
  ];

  it.each(cases)("%s → 401 INVALID_SIGNATURE, handler not run", async (_name, value) => {
    const s = await serve();
    const answer = await raw(s.port, { headers: signedLines(body, [["Content-Length", String(body.length)]], { ...signed, "svix-signature": value }), body }, 0);
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ ok: false, code: "INVALID_SIGNATURE" });
    expect(s.handled).toEqual([]);
  });

  it("every strict prefix of the valid signature is rejected, and the whole one accepted", async () => {
    const s = await serve();
    const statuses = new Set<number>();
    for (let keep = 0; keep < valid.length; keep++) {
      const answer = await raw(s.port, { headers: signedLines(body, [["Content-Length", String(body.length)]], { ...signed, "svix-signature": valid.slice(0, keep) }), body }, 0);
      statuses.add(answer.status);
    }
    expect([...statuses]).toEqual([401]);
    expect(s.handled).toEqual([]);
    const ok = await raw(s.port, { headers: signedLines(body, [["Content-Length", String(body.length)]], signed), body }, 0);
    expect(ok.status).toBe(200);
  });
});

describe("a flood of invalid requests next to valid ones", () => {
  it("500 concurrent invalid requests of 10 kinds: all refused; 100 valid deliveries meanwhile: all 200, each handled once", async () => {
    const s = await serve({ bodyTimeoutMs: 1_000 }, { maxHeaderSize: 256 * 1024 });
    const stale = new Date(Date.now() - 3_600_000);
    const other = `whsec_${Buffer.from("another-tenant-secret-32-bytes!!").toString("base64")}`;
    const entries = Array.from({ length: 1_000 }, () => "v1,AAAA").join(" ");
    const kinds: [string, number[], (i: number) => RawRequest][] = [
      ["bad signature", [401], (i) => { const b = withId(`msg_bad_${i}`); return { headers: signedLines(b, [["Content-Length", String(b.length)]], { ...sign(b), "svix-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }), body: b }; }],
      ["another tenant's secret", [401], (i) => { const b = withId(`msg_tenant_${i}`); return { headers: signedLines(b, [["Content-Length", String(b.length)]], sign(b, { secret: other })), body: b }; }],
      ["no headers", [401], () => ({ headers: [["Content-Length", String(conversion.length)]], body: conversion })],
      ["stale timestamp", [401], (i) => { const b = withId(`msg_stale_${i}`); return { headers: signedLines(b, [["Content-Length", String(b.length)]], sign(b, { at: stale })), body: b }; }],
      ["1,000-entry signature header", [401], () => ({ headers: signedLines(conversion, [["Content-Length", String(conversion.length)]], { ...sign(conversion), "svix-signature": entries }), body: conversion })],
      ["declared oversize", [413], () => ({ headers: signedLines(conversion, [["Content-Length", String(LIMIT * 100)]]) })],
      ["chunked oversize", [413], () => ({ headers: signedLines(conversion, [["Transfer-Encoding", "chunked"]]), chunks: { chunk: Buffer.alloc(8192, 0x20), maxBytes: 4 * LIMIT, chunked: true } })],
      ["tampered body", [401], (i) => { const b = withId(`msg_tamper_${i}`); return { headers: signedLines(b, [["Content-Length", String(b.length)]]), body: b.replace("2970", "9999") }; }],
      ["truncated signature", [401], (i) => { const b = withId(`msg_trunc_${i}`); const h = sign(b); return { headers: signedLines(b, [["Content-Length", String(b.length)]], { ...h, "svix-signature": h["svix-signature"].slice(0, 20) }), body: b }; }],
      ["GET", [405], () => ({ method: "GET", headers: [] })],
    ];
    const invalid = Array.from({ length: 500 }, (_, i) => {
      const [name, expected, make] = kinds[i % kinds.length]!;
      return raw(s.port, { ...make(i), timeoutMs: 20_000 }, 0).then(
        (answer) => ({ name, expected, status: answer.status }),
        (error: Error) => ({ name, expected, status: -1, error: error.message }),
      );
    });
    const valid = Array.from({ length: 100 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 5));
      const b = withId(`msg_valid_${i}`, i % 2 ? "payout.failed" : "conversion.created");
      return raw(s.port, { headers: signedLines(b, [["Content-Length", String(Buffer.byteLength(b))]]), body: b, timeoutMs: 20_000 }, 0);
    });
    const [bad, good] = await Promise.all([Promise.all(invalid), Promise.all(valid)]);
    const wrong = bad.filter((r) => !r.expected.includes(r.status));
    expect(wrong).toEqual([]);
    expect(good.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(good.map((a) => a.json?.outcome)).toEqual(Array(100).fill("handled"));
    expect([...s.handled].sort()).toEqual(Array.from({ length: 100 }, (_, i) => `msg_valid_${i}`).sort());
    await eventually(async () => (await s.connections()) === 0, 5_000);
  });
});

describe("cross-tenant secrets (one endpoint, a secret per merchant, chosen by a resolver)", () => {
  const tenantSecret = (name: string) => `whsec_${Buffer.from(`tenant-${name}-secret-of-32-bytes!!`.slice(0, 32)).toString("base64")}`;
  const secrets = new Map([
    ["mer_A", tenantSecret("A")],
    ["mer_B", tenantSecret("B")],
  ]);
  // The hints are unverified: they only choose which one secret to check against.
  const resolver: NonNullable<CreateHandlerOptions["secret"]> = (hints) => {
    const merchant = hints.envelope()?.merchantId;
    const secret = typeof merchant === "string" ? secrets.get(merchant) : undefined;
    if (secret === undefined) throw new WebhookVerificationError("INVALID_SIGNATURE", "No endpoint secret for this merchant.");
    return secret;
  };
  const event = (id: string, merchantId: string) => JSON.stringify({ ...sampleEvents["conversion.created"], id, merchantId });
  const deliver = (s: Running, body: string, secret: string) =>
    raw(s.port, { headers: signedLines(body, [["Content-Length", String(Buffer.byteLength(body))]], sign(body, { secret })), body }, 0);

  it("each tenant's own deliveries verify", async () => {
    const s = await serve({ secret: resolver });
    expect((await deliver(s, event("msg_a1", "mer_A"), secrets.get("mer_A")!)).status).toBe(200);
    expect((await deliver(s, event("msg_b1", "mer_B"), secrets.get("mer_B")!)).status).toBe(200);
    expect(s.handled).toEqual(["msg_a1", "msg_b1"]);
  });

  it("tenant A's secret cannot sign an event that claims to be tenant B's → 401", async () => {
    const s = await serve({ secret: resolver });
    const answer = await deliver(s, event("msg_forged", "mer_B"), secrets.get("mer_A")!);
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ code: "INVALID_SIGNATURE" });
    expect(s.handled).toEqual([]);
  });

  it("an unknown merchant (the resolver throws a WebhookVerificationError) → 401", async () => {
    const s = await serve({ secret: resolver });
    for (const merchant of ["mer_C", "constructor", "__proto__", "toString"]) {
      const answer = await deliver(s, event(`msg_${merchant}`, merchant), secrets.get("mer_A")!);
      expect(answer.status).toBe(401);
    }
    expect(s.handled).toEqual([]);
  });

  // A resolver that returns undefined (a missing tenant, a typo) is a configuration error,
  // not a store outage: 500 INVALID_SECRET, which points the operator at the secret.
  it("a resolver that returns undefined is answered 500 INVALID_SECRET, not 503 STORE_UNAVAILABLE", async () => {
    const s = await serve({ secret: (() => undefined) as unknown as CreateHandlerOptions["secret"] });
    const answer = await deliver(s, event("msg_u", "mer_A"), secrets.get("mer_A")!);
    expect(answer.status).toBe(500);
    expect(answer.json).toMatchObject({ code: "INVALID_SECRET" });
  });

  // Idempotency keys are scoped by the tenant (AgentRef's merchantId, which the resolver
  // chose the secret by), so a tenant who learns another tenant's event id cannot claim
  // it first and leave the real event answered 409 ID_CONFLICT forever.
  it("tenant A cannot pre-claim tenant B's event id", async () => {
    const s = await serve({ secret: resolver });
    expect((await deliver(s, event("msg_victim", "mer_A"), secrets.get("mer_A")!)).status).toBe(200);
    const real = await deliver(s, event("msg_victim", "mer_B"), secrets.get("mer_B")!);
    expect(real.status).toBe(200);
    expect(s.handled).toEqual(["msg_victim", "msg_victim"]);
  });
});

describe("duplicate id and timestamp header lines", () => {
  // Node keeps at most server.maxHeadersCount (2,000) header lines; the rest are dropped.
  it("900 identical svix-id lines and 900 conflicting svix-timestamp lines → 401 INVALID_TIMESTAMP, no HMAC", async () => {
    const s = await serve({}, { maxHeaderSize: 2 * 1024 * 1024 });
    const signed = sign(conversion);
    const lines: [string, string][] = [
      ["Content-Type", "application/json"],
      ["Content-Length", String(conversion.length)],
      ["svix-signature", signed["svix-signature"]],
      ...Array.from({ length: 900 }, (): [string, string] => ["svix-id", signed["svix-id"]]),
      ...Array.from({ length: 900 }, (_, i): [string, string] => ["svix-timestamp", String(Number(signed["svix-timestamp"]) + (i % 2))]),
    ];
    const started = Date.now();
    const answer = await raw(s.port, { headers: lines, body: conversion }, 0);
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ code: "INVALID_TIMESTAMP" });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect([s.counter.hmacs, s.handled.length]).toEqual([0, 0]);
  });

  it("900 identical svix-id and svix-timestamp lines collapse to one value: the delivery verifies", async () => {
    const s = await serve({}, { maxHeaderSize: 2 * 1024 * 1024 });
    const signed = sign(conversion);
    const lines: [string, string][] = [
      ["Content-Type", "application/json"],
      ["Content-Length", String(conversion.length)],
      ["svix-signature", signed["svix-signature"]],
      ...Array.from({ length: 900 }, (): [string, string] => ["svix-id", signed["svix-id"]]),
      ...Array.from({ length: 900 }, (): [string, string] => ["svix-timestamp", signed["svix-timestamp"]]),
    ];
    const answer = await raw(s.port, { headers: lines, body: conversion }, 0);
    expect(answer.status).toBe(200);
    expect([s.counter.hmacs, s.handled.length]).toEqual([1, 1]);
  });
});

describe("the Web handler (Request → Response) behind @hono/node-server: same limits, connection freed", () => {
  async function honoServer(options: Partial<CreateHandlerOptions>) {
    const { serve: honoServe } = await import("@hono/node-server");
    const { Hono } = await import("hono");
    const handled: string[] = [];
    const handler = createHandler({
      secret: SECRET,
      logger: {},
      maxBodyBytes: LIMIT,
      on: { "conversion.created": (_e, ctx) => void handled.push(ctx.eventId) },
      ...options,
    } as CreateHandlerOptions);
    const app = new Hono();
    app.post("/webhooks/agentref", (c) => handler(c.req.raw));
    const server = honoServe({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
    const r: Running = {
      server,
      port: (server.address() as AddressInfo).port,
      handled,
      counter: { hmacs: 0 },
      connections: () => new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
      close: () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
    running.push(r);
    return r;
  }

  it("a valid delivery is handled", async () => {
    const s = await honoServer({});
    const answer = await raw(s.port, { headers: signedLines(conversion, [["Content-Length", String(conversion.length)]]), body: conversion }, 0);
    expect(answer.status).toBe(200);
    expect(s.handled).toEqual(["msg_007"]);
  });

  it("chunked body over the limit → 413, the sender cut off, no connection left", async () => {
    const s = await honoServer({});
    const answer = await raw(s.port, {
      headers: signedLines(conversion, [["Transfer-Encoding", "chunked"]]),
      chunks: { chunk: Buffer.alloc(8192, 0x20), maxBytes: 256 * 1024 * 1024, chunked: true },
      timeoutMs: 15_000,
    });
    expect(answer.status).toBe(413);
    expect(answer.sent).toBeLessThan(64 * 1024 * 1024);
    expect(s.handled).toEqual([]);
    await eventually(async () => (await s.connections()) === 0, 5_000);
  });

  it("slow trickle → 408 after bodyTimeoutMs, no connection left", async () => {
    const s = await honoServer({ bodyTimeoutMs: 300 });
    const answer = await raw(s.port, { headers: signedLines(conversion, [["Transfer-Encoding", "chunked"]]), chunks: { chunk: "{", delayMs: 50, maxBytes: 10_000, chunked: true } });
    expect(answer.status).toBe(408);
    expect(answer.ms).toBeLessThan(2_500);
    expect(s.handled).toEqual([]);
    await eventually(async () => (await s.connections()) === 0, 5_000);
  });
});

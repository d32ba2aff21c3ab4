// toNodeHandler's edges: bodies left by parsers, the generic (Request) => Response
// path, clients that go away.
import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "agentref-webhooks";
import { toNodeHandler, type NodeRequest } from "agentref-webhooks/node";
import { sampleEvents } from "../../../src/events/samples.js";
import { listen, send, type RunningServer } from "../../helpers/http.js";
import { signDelivery, TEST_SECRET } from "../../helpers/sign.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const start = async (listener: http.RequestListener) => {
  const running = await listen(listener);
  servers.push(running);
  return running;
};

const body = JSON.stringify(sampleEvents["conversion.created"]);
const signed = () => ({ body, headers: signDelivery({ body }) });

/** Reads the whole stream like a body parser would. */
const consume = (req: http.IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks)));
  });

function webhooks() {
  const handled = vi.fn();
  const node = toNodeHandler(createHandler({ secret: TEST_SECRET, logger: {}, on: { "conversion.created": (e) => void handled(e.data.commissionAmount) } }));
  return { node, handled };
}

describe("bodies left by an earlier body parser", () => {
  it("uses req.rawBody when a parser kept the raw bytes", async () => {
    const { node, handled } = webhooks();
    const { port } = await start(async (req: NodeRequest, res) => {
      const raw = await consume(req);
      req.rawBody = raw;
      req.body = JSON.parse(raw.toString());
      void node(req, res);
    });
    const answer = await send(port, signed());
    expect([answer.status, answer.json?.outcome]).toEqual([200, "handled"]);
    expect(handled).toHaveBeenCalledWith(2970);
  });

  it.each([
    ["a Buffer", (raw: Buffer) => raw],
    ["a string", (raw: Buffer) => raw.toString("utf8")],
  ])("uses req.body when it is %s (express.raw / express.text)", async (_name, keep) => {
    const { node, handled } = webhooks();
    const { port } = await start(async (req: NodeRequest, res) => {
      req.body = keep(await consume(req));
      void node(req, res);
    });
    expect((await send(port, signed())).status).toBe(200);
    expect(handled).toHaveBeenCalledTimes(1);
  });

  it("answers 500 BODY_ALREADY_PARSED, naming the fix, when req.body is a parsed object", async () => {
    const { node, handled } = webhooks();
    const { port } = await start(async (req: NodeRequest, res) => {
      req.body = JSON.parse((await consume(req)).toString());
      void node(req, res);
    });
    const answer = await send(port, signed());
    expect(answer.status).toBe(500);
    expect(answer.json?.code).toBe("BODY_ALREADY_PARSED");
    expect(answer.json?.message).toContain('express.raw({ type: "application/json" })');
    expect(answer.json?.message).toContain("before app.use(express.json())");
    expect(answer.json?.message).toContain("bodyParser: false");
    expect(handled).not.toHaveBeenCalled();
  });

  it("reads the stream when a parser set req.body = {} but left the stream untouched (body-parser 1.x)", async () => {
    const { node } = webhooks();
    const { port } = await start((req: NodeRequest, res) => {
      req.body = {};
      void node(req, res);
    });
    expect((await send(port, signed())).json?.outcome).toBe("handled");
  });

  it("answers 500 BODY_ALREADY_PARSED (not a hang) when the stream was consumed and nothing kept", async () => {
    const { node } = webhooks();
    const { port } = await start(async (req, res) => {
      await consume(req);
      void node(req, res);
    });
    const answer = await send(port, signed());
    expect([answer.status, answer.json?.code]).toEqual([500, "BODY_ALREADY_PARSED"]);
  });
});

describe("the request URL", () => {
  it.each(["bad host", "a:b:c", "[zz]"])("a Host header no URL accepts (%j) does not cost an authentic delivery", async (host) => {
    const { node, handled } = webhooks();
    const { port } = await start((req, res) => void node(req, res));
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    const { headers } = signed();
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
    socket.write(`POST /hook HTTP/1.1\r\nhost: ${host}\r\n${head}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    const chunks: Buffer[] = [];
    await new Promise((r) => socket.on("data", (c: Buffer) => chunks.push(c)).on("close", r));
    expect(Buffer.concat(chunks).toString().split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect(handled).toHaveBeenCalledTimes(1);
  });
});

describe("the promise it returns", () => {
  it("resolves once the answer is written (Next.js Pages Router waits for it)", async () => {
    const { node } = webhooks();
    let endedWhenResolved: boolean | undefined;
    const { port } = await start((req, res) => {
      void node(req, res).then(() => (endedWhenResolved = res.writableEnded));
    });
    await send(port, signed());
    await vi.waitFor(() => expect(endedWhenResolved).toBe(true));
  });

  it("resolves without an answer when the client disconnects mid-body, and the server keeps serving", async () => {
    const { node, handled } = webhooks();
    let settled = false;
    const { port } = await start((req, res) => {
      void node(req, res).then(() => (settled = true));
    });
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 20)}`);
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await vi.waitFor(() => expect(settled).toBe(true));
    expect(handled).not.toHaveBeenCalled();
    expect((await send(port, signed())).status).toBe(200);
  });
});

describe("any other (Request) => Promise<Response> function", () => {
  it("gets a Web Request with method, URL, headers and the streamed body, and its Response is streamed back", async () => {
    const seen: Record<string, unknown> = {};
    const node = toNodeHandler(async (request) => {
      Object.assign(seen, {
        method: request.method,
        url: request.url,
        id: request.headers.get("svix-id"),
        body: await request.text(),
      });
      const encoder = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode("part one, "));
          controller.enqueue(encoder.encode("part two"));
          controller.close();
        },
      });
      const headers = new Headers({ "x-custom": "yes" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      return new Response(stream, { status: 201, headers });
    });
    const { port } = await start((req, res) => void node(req, res));
    const answer = await send(port, { ...signed(), path: "/hooks?x=1" });
    expect(seen).toEqual({ method: "POST", url: `http://127.0.0.1:${port}/hooks?x=1`, id: "msg_007", body });
    expect(answer.status).toBe(201);
    expect(answer.text).toBe("part one, part two");
    expect(answer.headers["x-custom"]).toBe("yes");
    expect(answer.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
  });

  it("passes bytes a parser kept, and refuses a parsed object with BODY_ALREADY_PARSED", async () => {
    const texts: string[] = [];
    const node = toNodeHandler(async (request) => {
      texts.push(await request.text());
      return new Response(null, { status: 204 });
    });
    let mode: "raw" | "parsed" = "raw";
    const { port } = await start(async (req: NodeRequest, res) => {
      const raw = await consume(req);
      req.body = mode === "raw" ? raw : JSON.parse(raw.toString());
      void node(req, res);
    });
    expect((await send(port, signed())).status).toBe(204);
    expect(texts).toEqual([body]);
    mode = "parsed";
    const refused = await send(port, signed());
    expect([refused.status, refused.json?.code]).toEqual([500, "BODY_ALREADY_PARSED"]);
    expect(texts).toHaveLength(1);
  });

  it("accepts a function answering synchronously (Hono's app.fetch)", async () => {
    const { Hono } = await import("hono");
    const app = new Hono();
    app.post("/", (c) => c.text("from hono", 201));
    const node = toNodeHandler(app.fetch);
    const { port } = await start((req, res) => void node(req, res));
    const answer = await send(port, signed());
    expect([answer.status, answer.text]).toEqual([201, "from hono"]);
    const sync = toNodeHandler(() => new Response("sync", { status: 202 }));
    const other = await start((req, res) => void sync(req, res));
    expect((await send(other.port, signed())).status).toBe(202);
  });

  it("answers 500 when the function throws, instead of leaving the request hanging", async () => {
    const node = toNodeHandler(async () => {
      throw new Error("bug");
    });
    const { port } = await start((req, res) => void node(req, res));
    expect((await send(port, signed())).status).toBe(500);
  });
});

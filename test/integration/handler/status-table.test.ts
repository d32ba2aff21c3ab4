// One HTTP-level test per row of the status table (DESIGN.md / README), through a
// real node:http server and toNodeHandler.
import net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  agentref,
  createHandler,
  createMemoryStore,
  standardWebhooksScheme,
  WebhookError,
  type CreateHandlerOptions,
  type IdempotencyStore,
  type SignatureScheme,
} from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { sampleEvents } from "../../../src/events/samples.js";
import { listen, send, type RunningServer, type SendOptions } from "../../helpers/http.js";
import { signDelivery, TEST_SECRET } from "../../helpers/sign.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Counts HMAC computations: the verifier builds the signed prefix right before each one. */
function countingScheme() {
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

/** A store that counts calls, to prove unverified requests never reach it. */
function countingStore(inner: IdempotencyStore = createMemoryStore()) {
  const calls = { claim: 0, complete: 0, release: 0 };
  const store: IdempotencyStore = {
    settings: inner.settings,
    claim: (key, options) => (calls.claim++, inner.claim(key, options)),
    complete: (key, token) => (calls.complete++, inner.complete(key, token)),
    release: (key, token) => (calls.release++, inner.release(key, token)),
    renew: (key, token) => inner.renew(key, token),
  };
  return { store, calls };
}

async function serve(options: Omit<CreateHandlerOptions, "secret"> & { secret?: CreateHandlerOptions["secret"] } = {}) {
  const handler = createHandler({ secret: TEST_SECRET, logger: {}, ...options } as CreateHandlerOptions);
  const running = await listen(toNodeHandler(handler));
  servers.push(running);
  const deliver = (body: string, extra: SendOptions & { sign?: Parameters<typeof signDelivery>[0] } = {}) =>
    send(running.port, { ...extra, body, headers: { ...signDelivery(extra.sign ?? { body }), ...extra.headers } });
  return { ...running, deliver };
}

const conversion = JSON.stringify(sampleEvents["conversion.created"]);
const payoutFailed = JSON.stringify(sampleEvents["payout.failed"]);
const withChanges = (type: keyof typeof sampleEvents, change: (event: Record<string, any>) => void): string => {
  const event = structuredClone(sampleEvents[type]) as Record<string, any>;
  change(event);
  return JSON.stringify(event);
};

describe("200: handled, or already completed earlier (duplicate)", () => {
  it("runs the typed handler once and answers 200 handled", async () => {
    const seen: unknown[] = [];
    const { deliver } = await serve({ on: { "conversion.created": (event) => void seen.push(event.data.commissionAmount) } });
    const answer = await deliver(conversion);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ ok: true, outcome: "handled", id: "msg_007", type: "conversion.created" });
    expect(seen).toEqual([2970]);
  });

  it("answers a second delivery of the same event 200 duplicate without re-running the handler", async () => {
    const handler = vi.fn();
    const onDuplicate = vi.fn();
    const { deliver } = await serve({ on: { "conversion.created": handler }, onDuplicate });
    expect((await deliver(conversion)).json?.outcome).toBe("handled");
    // A retry carries a fresh timestamp and signature but the same id and body.
    const retry = await deliver(conversion, { sign: { body: conversion, timestamp: new Date(Date.now() + 60_000) } });
    expect(retry.status).toBe(200);
    expect(retry.json?.outcome).toBe("duplicate");
    expect(handler).toHaveBeenCalledTimes(1);
    expect(onDuplicate).toHaveBeenCalledWith(expect.objectContaining({ deliveryId: "msg_007", type: "conversion.created", outcome: "duplicate" }));
  });
});

describe("200: verified but nothing to run", () => {
  it("known type without a handler: 200 unhandled and onUnhandled called with the typed event", async () => {
    const onUnhandled = vi.fn();
    const { deliver } = await serve({ on: { "conversion.created": () => {} }, onUnhandled });
    const answer = await deliver(payoutFailed);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ outcome: "unhandled", type: "payout.failed" });
    expect(onUnhandled).toHaveBeenCalledTimes(1);
    expect(onUnhandled.mock.calls[0]![0]).toMatchObject({ type: "payout.failed", data: { failureReason: "External payment rejected by provider" } });
  });

  it("type not in the catalog: 200 unknown and onUnknown called", async () => {
    const onUnknown = vi.fn();
    const { deliver } = await serve({ onUnknown });
    const body = withChanges("conversion.created", (e) => {
      e.type = "referral.clicked";
      e.id = "msg_new_type";
    });
    const answer = await deliver(body);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ outcome: "unknown", type: "referral.clicked" });
    expect(onUnknown).toHaveBeenCalledWith(expect.objectContaining({ type: "referral.clicked", id: "msg_new_type" }), expect.objectContaining({ deliveryId: "msg_new_type" }));
  });

  it("filtered by environment: 200 filtered, handler not run, the reason says why", async () => {
    const handler = vi.fn();
    const { deliver } = await serve({ environment: "production", on: { "conversion.created": handler } });
    const preview = withChanges("conversion.created", (e) => (e.environment = "preview"));
    const answer = await deliver(preview);
    expect(answer.status).toBe(200);
    expect(answer.json?.outcome).toBe("filtered");
    expect(String(answer.json?.reason)).toContain("preview");
    expect(handler).not.toHaveBeenCalled();
    expect((await deliver(conversion, { sign: { body: conversion, id: "msg_prod" } })).json?.outcome).toBe("handled");
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("filtered by programId, including merchant-scoped events without a programId", async () => {
    const handler = vi.fn();
    const { deliver } = await serve({ programId: ["prg_other"], on: { "conversion.created": handler, "payout.failed": handler } });
    const a = await deliver(conversion);
    const b = await deliver(payoutFailed);
    expect([a.status, a.json?.outcome, b.status, b.json?.outcome]).toEqual([200, "filtered", 200, "filtered"]);
    expect(handler).not.toHaveBeenCalled();
    const mine = withChanges("conversion.created", (e) => (e.programId = "prg_other"));
    expect((await deliver(mine, { sign: { body: mine, id: "msg_mine" } })).json?.outcome).toBe("handled");
  });
});

describe("202: accepted onto a durable queue", () => {
  it("hands the verified event to enqueue and answers 202 once it resolves", async () => {
    const jobs: unknown[] = [];
    const handler = vi.fn();
    const { deliver } = await serve({
      on: { "conversion.created": handler },
      enqueue: async (event, meta) => {
        await new Promise((r) => setTimeout(r, 20));
        jobs.push({ type: event.type, meta });
      },
    });
    const answer = await deliver(conversion);
    expect(answer.status).toBe(202);
    expect(answer.json?.outcome).toBe("accepted");
    expect(jobs).toEqual([{ type: "conversion.created", meta: expect.objectContaining({ deliveryId: "msg_007", eventId: "msg_007", provider: "agentref" }) }]);
    expect(handler).not.toHaveBeenCalled();
  });
});

describe("401: missing or malformed signature headers, bad signature, timestamp outside tolerance", () => {
  const cases: [string, (body: string) => Record<string, string>, string][] = [
    ["no signature headers", () => ({}), "MISSING_HEADERS"],
    ["svix-signature missing", (body) => ({ ...signDelivery({ body }), "svix-signature": "" }), "MISSING_HEADERS"],
    ["malformed timestamp", (body) => ({ ...signDelivery({ body }), "svix-timestamp": "1.7e9" }), "INVALID_TIMESTAMP"],
    ["malformed signature entry", (body) => ({ ...signDelivery({ body }), "svix-signature": "v1,not-base64" }), "INVALID_SIGNATURE"],
    ["signed with another secret", (body) => signDelivery({ body, secret: `whsec_${Buffer.from("another-secret-of-32-bytes-long!").toString("base64")}` }), "INVALID_SIGNATURE"],
    ["signed over other bytes", (body) => signDelivery({ body: body.replace("2970", "2971") }), "INVALID_SIGNATURE"],
    ["timestamp 10 minutes old", (body) => signDelivery({ body, timestamp: new Date(Date.now() - 600_000) }), "TIMESTAMP_TOO_OLD"],
    ["timestamp 10 minutes ahead", (body) => signDelivery({ body, timestamp: new Date(Date.now() + 600_000) }), "TIMESTAMP_TOO_NEW"],
  ];
  it.each(cases)("%s → 401 %s, handler and store untouched", async (_name, headers, code) => {
    const handler = vi.fn();
    const onError = vi.fn();
    const { store, calls } = countingStore();
    const { port } = await serve({ store, onError, on: { "conversion.created": handler } });
    const answer = await send(port, { body: conversion, headers: headers(conversion) });
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ ok: false, code });
    expect(handler).not.toHaveBeenCalled();
    expect(calls).toEqual({ claim: 0, complete: 0, release: 0 });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code }), expect.objectContaining({ status: 401 }));
  });
});

describe("413: body over the size limit, before any HMAC work", () => {
  const limit = 4096;
  const big = Buffer.alloc(256 * 1024, "a");

  async function oversized() {
    const handler = vi.fn();
    const { scheme, counter } = countingScheme();
    const running = await serve({ provider: { ...agentref, scheme }, maxBodyBytes: limit, on: { "conversion.created": handler } });
    // Sanity: the counter does count a real verification.
    expect((await running.deliver(conversion)).status).toBe(200);
    expect([counter.hmacs, handler.mock.calls.length]).toEqual([1, 1]);
    counter.hmacs = 0;
    handler.mockClear();
    return { ...running, handler, counter };
  }

  it("with a Content-Length over the limit: 413 without reading the body", async () => {
    const { port, handler, counter } = await oversized();
    const body = Buffer.concat([Buffer.from(conversion), big]);
    const answer = await send(port, { body, headers: signDelivery({ body: body.toString() }) });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ code: "BODY_TOO_LARGE" });
    expect(answer.headers.connection).toBe("close");
    expect([counter.hmacs, handler.mock.calls.length]).toEqual([0, 0]);
  });

  it("without a Content-Length (chunked): 413 once the byte counter passes the limit", async () => {
    const { port, handler, counter } = await oversized();
    const chunk = Buffer.alloc(1024, " ");
    const answer = await send(port, {
      headers: signDelivery({ body: conversion }),
      chunks: [conversion, chunk],
      // Far more than the limit; the sender is stopped long before.
      repeatUntilBytes: 64 * 1024 * 1024,
    });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ code: "BODY_TOO_LARGE" });
    expect([counter.hmacs, handler.mock.calls.length]).toEqual([0, 0]);
    // The sender was cut off near the limit, not drained to the end (only socket buffers in between).
    expect(answer.sent).toBeLessThan(16 * 1024 * 1024);
  });

  it("with a lying Content-Length smaller than the body: 413 all the same", async () => {
    // Node's HTTP parser frames a body by its Content-Length, so a lie on the wire only
    // truncates it; a lie reaches an adapter when a proxy layer or middleware reports a
    // length that does not match the stream. This server does exactly that.
    const handler = vi.fn();
    const { scheme, counter } = countingScheme();
    const nodeHandler = toNodeHandler(
      createHandler({ secret: TEST_SECRET, logger: {}, provider: { ...agentref, scheme }, maxBodyBytes: limit, on: { "conversion.created": handler } }),
    );
    const running = await listen((req, res) => {
      req.headers["content-length"] = "100";
      void nodeHandler(req, res);
    });
    servers.push(running);
    const answer = await send(running.port, {
      headers: signDelivery({ body: conversion }),
      chunks: [conversion, big],
      repeatUntilBytes: 64 * 1024 * 1024,
    });
    expect(answer.status).toBe(413);
    expect([counter.hmacs, handler.mock.calls.length]).toEqual([0, 0]);
    expect(answer.sent).toBeLessThan(16 * 1024 * 1024);
  });
});

describe("422: not JSON, schema failure, unsupported schemaVersion", () => {
  it.each([
    ["not JSON", "{not json", "INVALID_JSON"],
    ["commissionAmount is a string", withChanges("conversion.created", (e) => (e.data.commissionAmount = "29.70")), "INVALID_PAYLOAD"],
    ["schemaVersion 3", withChanges("conversion.created", (e) => (e.schemaVersion = 3)), "UNSUPPORTED_SCHEMA_VERSION"],
  ])("%s → 422 %s, handler not run", async (_name, body, code) => {
    const handler = vi.fn();
    const { calls, store } = countingStore();
    const { deliver } = await serve({ store, on: { "conversion.created": handler } });
    const answer = await deliver(body, { sign: { body, id: "msg_bad" } });
    expect(answer.status).toBe(422);
    expect(answer.json).toMatchObject({ ok: false, code });
    expect(handler).not.toHaveBeenCalled();
    expect(calls.claim).toBe(0);
    if (code === "INVALID_PAYLOAD") {
      expect(answer.json?.issues).toEqual([expect.objectContaining({ path: ["data", "commissionAmount"] })]);
    }
  });
});

describe("409: in progress, or same id with a different body", () => {
  it("IN_PROGRESS with Retry-After while the first delivery runs; completed afterwards", async () => {
    let finish!: () => void;
    const running = new Promise<void>((r) => (finish = r));
    let started!: () => void;
    const hasStarted = new Promise<void>((r) => (started = r));
    const handler = vi.fn(async () => {
      started();
      await running;
    });
    const { deliver } = await serve({ on: { "conversion.created": handler } });
    const first = deliver(conversion);
    await hasStarted;
    const second = await deliver(conversion);
    expect(second.status).toBe(409);
    expect(second.json).toMatchObject({ code: "IN_PROGRESS" });
    expect(Number(second.headers["retry-after"])).toBeGreaterThan(0);
    finish();
    expect((await first).status).toBe(200);
    expect((await deliver(conversion)).json?.outcome).toBe("duplicate");
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("ID_CONFLICT: same id, different body → 409 with Retry-After, reported to onError, handler not run again", async () => {
    const handler = vi.fn();
    const onError = vi.fn();
    const { deliver } = await serve({ on: { "conversion.created": handler }, onError });
    expect((await deliver(conversion)).status).toBe(200);
    const other = withChanges("conversion.created", (e) => (e.data.amount = 1));
    const answer = await deliver(other);
    expect(answer.status).toBe(409);
    expect(answer.json).toMatchObject({ code: "ID_CONFLICT" });
    expect(answer.headers["retry-after"]).toBeDefined();
    expect(handler).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: "ID_CONFLICT" }),
      expect.objectContaining({ deliveryId: "msg_007", type: "conversion.created", status: 409 }),
    );
  });
});

describe("500: the handler threw", () => {
  it("answers 500 HANDLER_FAILED, releases the claim, and the retry re-runs the handler", async () => {
    let attempts = 0;
    const onFailed = vi.fn();
    const { deliver } = await serve({
      onFailed,
      on: {
        "conversion.created": () => {
          if (++attempts === 1) throw new Error("database down");
        },
      },
    });
    const first = await deliver(conversion);
    expect(first.status).toBe(500);
    expect(first.json).toMatchObject({ code: "HANDLER_FAILED" });
    expect(String(first.json?.message)).toContain("database down");
    expect(onFailed).toHaveBeenCalledWith(expect.objectContaining({ outcome: "failed", status: 500, type: "conversion.created" }));
    const retry = await deliver(conversion);
    expect(retry.status).toBe(200);
    expect(retry.json?.outcome).toBe("handled");
    expect(attempts).toBe(2);
  });
});

describe("503: idempotency store unreachable", () => {
  it("answers 503 STORE_UNAVAILABLE with Retry-After and runs nothing", async () => {
    const unreachable: IdempotencyStore = {
      settings: { ttlMs: 48 * 3_600_000, leaseMs: 60_000 },
      claim: async () => {
        throw new WebhookError("STORE_UNAVAILABLE", "The redis idempotency store failed during claim: ECONNREFUSED.");
      },
      complete: async () => {
        throw new WebhookError("STORE_UNAVAILABLE", "unreachable");
      },
      release: async () => {
        throw new WebhookError("STORE_UNAVAILABLE", "unreachable");
      },
      renew: async () => {
        throw new WebhookError("STORE_UNAVAILABLE", "unreachable");
      },
    };
    const handler = vi.fn();
    const { deliver } = await serve({ store: unreachable, on: { "conversion.created": handler } });
    const answer = await deliver(conversion);
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
    expect(handler).not.toHaveBeenCalled();
  });

  it("a store driver throwing a plain error is reported as STORE_UNAVAILABLE too", async () => {
    const broken: IdempotencyStore = {
      settings: { ttlMs: 48 * 3_600_000, leaseMs: 60_000 },
      claim: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
      complete: () => Promise.resolve(true),
      release: () => Promise.resolve(true),
      renew: () => Promise.resolve(true),
    };
    const { deliver } = await serve({ store: broken, on: { "conversion.created": () => {} } });
    const answer = await deliver(conversion);
    expect([answer.status, answer.json?.code]).toEqual([503, "STORE_UNAVAILABLE"]);
  });
});

describe("405: not a POST", () => {
  it.each(["GET", "PUT", "HEAD"])("%s → 405 with Allow: POST", async (method) => {
    const { port } = await serve({ on: {} });
    const answer = await send(port, method === "PUT" ? { method, body: conversion } : { method });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe("POST");
    if (method !== "HEAD") expect(answer.json).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
  });
});

describe("408: the body did not arrive in time", () => {
  it("answers 408 and closes the connection of a slow sender", async () => {
    const handler = vi.fn();
    const { port } = await serve({ bodyTimeoutMs: 200, on: { "conversion.created": handler } });
    const startedAt = Date.now();
    const answer = await send(port, { headers: signDelivery({ body: conversion }), chunks: [...conversion].map((c) => c), delayMs: 50 });
    expect(answer.status).toBe(408);
    expect(answer.json).toMatchObject({ code: "BODY_TIMEOUT" });
    expect(answer.headers.connection).toBe("close");
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(handler).not.toHaveBeenCalled();
  });
});

describe("408: the slow sender's connection is freed", () => {
  it("closes a socket that keeps trickling after the 408", async () => {
    const { port } = await serve({ bodyTimeoutMs: 150, on: {} });
    // allowHalfOpen: this client does not close when the server ends its side; only the
    // server destroying the connection closes it.
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    socket.on("error", () => {});
    const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
    await new Promise((r) => socket.once("connect", r));
    const headers = signDelivery({ body: conversion });
    socket.write(
      `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n` +
        Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") +
        "\r\n",
    );
    // One byte every 50 ms, forever: a slowloris sender.
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write("1\r\n \r\n");
    }, 50);
    const startedAt = Date.now();
    try {
      const closedAt = await closed;
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(received.toLowerCase()).toContain("connection: close");
      // The deadline, then a short linger so the sender can read the answer.
      expect(closedAt - startedAt).toBeLessThan(3_000);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });
});

describe("never 410, never 3xx", () => {
  it("no answer of the table is 410 or a redirect", async () => {
    const { errorStatus, outcomeStatus } = await import("agentref-webhooks");
    for (const status of [...Object.values(errorStatus), ...Object.values(outcomeStatus)] as number[]) {
      expect(status === 410 || (status >= 300 && status < 400)).toBe(false);
    }
  });
});

// createHandler called with Web Requests directly (the Next.js / Hono / fetch shape).
import { describe, expect, it, vi } from "vitest";
import {
  agentref,
  createHandler,
  standardWebhooksScheme,
  UnknownEvent,
  WebhookError,
  type HandlerContext,
  type SignatureScheme,
} from "agentref-webhooks";
import { sampleEvents } from "../../../src/events/samples.js";
import { signDelivery, signedRequest, TEST_SECRET } from "../../helpers/sign.js";

const quiet = { logger: {} };
const bodyOf = (type: keyof typeof sampleEvents) => JSON.stringify(sampleEvents[type]);

describe("routing by type", () => {
  it("calls the handler of the event's type only, with the typed event and the context", async () => {
    const onConversion = vi.fn();
    const onPayout = vi.fn();
    const handler = createHandler({ secret: TEST_SECRET, ...quiet, on: { "conversion.created": onConversion, "payout.failed": onPayout } });
    const body = bodyOf("payout.failed");
    const timestamp = new Date();
    const response = await handler(signedRequest({ body, timestamp }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, outcome: "handled", id: "msg_012", type: "payout.failed" });
    expect(onConversion).not.toHaveBeenCalled();
    expect(onPayout).toHaveBeenCalledTimes(1);
    const [event, ctx] = onPayout.mock.calls[0] as [unknown, HandlerContext];
    expect(event).toEqual(sampleEvents["payout.failed"]);
    expect(ctx).toMatchObject({
      deliveryId: "msg_012",
      eventId: "msg_012",
      timestamp: Math.floor(timestamp.getTime() / 1000),
      rawBody: body,
      provider: "agentref",
    });
    expect(ctx.receivedAt).toBeInstanceOf(Date);
  });

  it("routes every one of the 13 types to its own handler", async () => {
    const seen: string[] = [];
    const on = Object.fromEntries(agentref.types.map((type) => [type, (event: { type: string }) => void seen.push(event.type)]));
    const handler = createHandler({ secret: TEST_SECRET, ...quiet, on });
    for (const type of agentref.types) {
      const response = await handler(signedRequest({ body: bodyOf(type) }));
      expect(response.status, type).toBe(200);
    }
    expect(seen).toEqual([...agentref.types]);
  });

  it("known type without handler: onUnhandled, or nothing with \"ignore\"", async () => {
    const onUnhandled = vi.fn();
    const handler = createHandler({ secret: TEST_SECRET, ...quiet, on: { "program.updated": "ignore" }, onUnhandled });
    const ignored = await handler(signedRequest({ body: bodyOf("program.updated") }));
    expect([ignored.status, (await ignored.json()).outcome]).toEqual([200, "unhandled"]);
    expect(onUnhandled).not.toHaveBeenCalled();
    const unhandled = await handler(signedRequest({ body: bodyOf("program.created") }));
    expect([unhandled.status, (await unhandled.json()).outcome]).toEqual([200, "unhandled"]);
    expect(onUnhandled).toHaveBeenCalledWith(expect.objectContaining({ type: "program.created" }), expect.objectContaining({ deliveryId: "msg_001" }));
  });

  it("type not in the catalog: onUnknown gets an UnknownEvent; without it, 200 all the same", async () => {
    const body = JSON.stringify({ ...sampleEvents["conversion.created"], id: "msg_future", type: "referral.clicked" });
    const onUnknown = vi.fn();
    const withHook = createHandler({ secret: TEST_SECRET, ...quiet, onUnknown });
    const response = await withHook(signedRequest({ body }));
    expect([response.status, (await response.json()).outcome]).toEqual([200, "unknown"]);
    const event = onUnknown.mock.calls[0]![0] as UnknownEvent;
    expect(event).toBeInstanceOf(UnknownEvent);
    expect([event.id, event.type]).toEqual(["msg_future", "referral.clicked"]);

    const without = createHandler({ secret: TEST_SECRET, ...quiet });
    expect((await without(signedRequest({ body }))).status).toBe(200);
  });

  it("answers 405 with Allow: POST for other methods", async () => {
    const handler = createHandler({ secret: TEST_SECRET, ...quiet });
    const response = await handler(new Request("http://localhost/", { method: "GET" }));
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });
});

describe("configuration errors surface at creation", () => {
  it("an unknown key in `on` throws, naming it and the known types", () => {
    expect(() =>
      createHandler({ secret: TEST_SECRET, on: { "conversion.create": () => {} } as never }),
    ).toThrow(/"conversion\.create" is not a agentref event type \(known: program\.created/);
  });

  it.each([
    ["empty", ""],
    ["not base64", "whsec_***not base64***"],
    ["too short", `whsec_${Buffer.from("short").toString("base64")}`],
  ])("an invalid secret (%s) throws INVALID_SECRET without echoing it", (_name, secret) => {
    let thrown: unknown;
    try {
      createHandler({ secret, on: {} });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WebhookError);
    expect((thrown as WebhookError).code).toBe("INVALID_SECRET");
    if (secret.length > 8) expect((thrown as WebhookError).message).not.toContain(secret.slice(6));
  });
});

describe("the body limit on the Web Request path", () => {
  function counting() {
    const counter = { hmacs: 0 };
    const scheme: SignatureScheme = {
      ...standardWebhooksScheme,
      signedPrefix: (id, ts) => (counter.hmacs++, standardWebhooksScheme.signedPrefix(id, ts)),
    };
    return { provider: { ...agentref, scheme }, counter };
  }

  it("a stream longer than its Content-Length claims is cut off at maxBodyBytes: 413, no HMAC, no handler", async () => {
    const { provider, counter } = counting();
    const run = vi.fn();
    const handler = createHandler({ secret: TEST_SECRET, ...quiet, provider, maxBodyBytes: 1024, on: { "conversion.created": run } });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(512).fill(32));
      },
    });
    const response = await handler(
      new Request("http://localhost/", {
        method: "POST",
        headers: { ...signDelivery({ body: "{}" }), "content-length": "2" },
        body: endless,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect((await response.json()).code).toBe("BODY_TOO_LARGE");
    expect(pulled).toBeLessThan(10);
    expect([counter.hmacs, run.mock.calls.length]).toEqual([0, 0]);
  });

  it("a declared Content-Length over the limit is 413 without reading", async () => {
    const { provider, counter } = counting();
    const handler = createHandler({ secret: TEST_SECRET, ...quiet, provider, maxBodyBytes: 100 });
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => void (pulled++, c.enqueue(new Uint8Array(10))) });
    const response = await handler(
      new Request("http://localhost/", { method: "POST", headers: { "content-length": "5000" }, body: stream, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(counter.hmacs).toBe(0);
    // The stream may be primed once by the runtime, but never read to the limit.
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it("a body that was already consumed is BODY_ALREADY_PARSED (500), not a timeout", async () => {
    const handler = createHandler({ secret: TEST_SECRET, ...quiet });
    const request = signedRequest({ body: bodyOf("conversion.created") });
    await request.text();
    const response = await handler(request);
    expect(response.status).toBe(500);
    expect((await response.json()).code).toBe("BODY_ALREADY_PARSED");
  });

  it("a body that stops arriving is 408 after bodyTimeoutMs", async () => {
    const handler = createHandler({ secret: TEST_SECRET, ...quiet, bodyTimeoutMs: 50 });
    const stalled = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode("{")) });
    const response = await handler(
      new Request("http://localhost/", { method: "POST", headers: signDelivery({ body: "{}" }), body: stalled, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(408);
    expect((await response.json()).code).toBe("BODY_TIMEOUT");
  });
});

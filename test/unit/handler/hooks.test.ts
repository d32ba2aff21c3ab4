import { describe, expect, it, vi } from "vitest";
import { createHandler, type LifecycleInfo, type Logger } from "agentref-webhooks";
import { sampleEvents } from "../../../src/events/samples.js";
import { signDelivery, signedRequest, TEST_SECRET } from "../../helpers/sign.js";

const conversion = JSON.stringify(sampleEvents["conversion.created"]);

describe("lifecycle hooks", () => {
  it("onVerified, onHandled and onDuplicate receive the id, type, outcome and duration", async () => {
    let clock = Date.now();
    const info: Record<string, LifecycleInfo[]> = { verified: [], handled: [], duplicate: [], failed: [] };
    const handler = createHandler({
      secret: TEST_SECRET,
      logger: {},
      now: () => clock,
      on: {
        "conversion.created": () => {
          clock += 25; // the handler "takes" 25 ms on the injected clock
        },
      },
      onVerified: (i) => void info.verified!.push(i),
      onHandled: (i) => void info.handled!.push(i),
      onDuplicate: (i) => void info.duplicate!.push(i),
      onFailed: (i) => void info.failed!.push(i),
    });
    await handler(signedRequest({ body: conversion }));
    await handler(signedRequest({ body: conversion }));

    expect(info.verified).toHaveLength(2);
    expect(info.verified![0]).toMatchObject({ deliveryId: "msg_007", eventId: "msg_007", type: "conversion.created", outcome: "verified" });
    expect(info.handled).toEqual([
      expect.objectContaining({ deliveryId: "msg_007", type: "conversion.created", outcome: "handled", status: 200, durationMs: 25 }),
    ]);
    expect(info.duplicate).toEqual([expect.objectContaining({ deliveryId: "msg_007", outcome: "duplicate", status: 200, durationMs: 0 })]);
    expect(info.failed).toEqual([]);
  });

  it("onFailed receives the failure with the error; onError every non-2xx answer", async () => {
    const onFailed = vi.fn();
    const onError = vi.fn();
    const handler = createHandler({
      secret: TEST_SECRET,
      logger: {},
      onFailed,
      onError,
      on: { "conversion.created": () => Promise.reject(new Error("boom")) },
    });
    expect((await handler(signedRequest({ body: conversion }))).status).toBe(500);
    expect(onFailed).toHaveBeenCalledWith(
      expect.objectContaining({ deliveryId: "msg_007", type: "conversion.created", outcome: "failed", status: 500, durationMs: expect.any(Number) }),
    );
    expect(onFailed.mock.calls[0]![0].error.code).toBe("HANDLER_FAILED");
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: "HANDLER_FAILED" }), expect.objectContaining({ status: 500 }));

    await handler(new Request("http://x/", { method: "POST", body: conversion }));
    expect(onError).toHaveBeenLastCalledWith(expect.objectContaining({ code: "MISSING_HEADERS" }), expect.objectContaining({ status: 401, outcome: "rejected" }));
  });

  it("a throwing or rejecting hook never changes the answer", async () => {
    const warn = vi.fn();
    const handler = createHandler({
      secret: TEST_SECRET,
      logger: { warn },
      on: { "conversion.created": () => {} },
      onVerified: () => {
        throw new Error("metrics down");
      },
      onHandled: () => Promise.reject(new Error("metrics down")),
      onError: () => {
        throw new Error("reporter down");
      },
    });
    const response = await handler(signedRequest({ body: conversion }));
    expect(response.status).toBe(200);
    expect((await handler(new Request("http://x/", { method: "POST", body: "{}" }))).status).toBe(401);
    // Each failing hook is logged (onVerified, onHandled, onError), beside the 401 itself.
    await vi.waitFor(() => expect(warn.mock.calls.filter(([message]) => String(message).includes("hook failed"))).toHaveLength(3));
    expect(warn.mock.calls.some(([message]) => String(message).includes("MISSING_HEADERS"))).toBe(true);
  });
});

describe("the logger", () => {
  it("never receives the secret or the body, whatever happens", async () => {
    const lines: string[] = [];
    const record = (level: string) => (message: string, fields?: Record<string, unknown>) =>
      void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {}, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))}`);
    const logger: Logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
    let fail = true;
    const handler = createHandler({
      secret: TEST_SECRET,
      logger,
      on: {
        "conversion.created": () => {
          if (fail) {
            fail = false;
            throw new Error("first attempt fails");
          }
        },
      },
      onHandled: () => {
        throw new Error("hook failure");
      },
    });
    const tampered = conversion.replace("2970", "2971");
    await handler(signedRequest({ body: conversion })); // 500
    await handler(signedRequest({ body: conversion })); // 200 (+ hook failure)
    await handler(signedRequest({ body: conversion })); // duplicate
    await handler(new Request("http://x/", { method: "POST", headers: signDelivery({ body: conversion }), body: tampered })); // 401
    await handler(signedRequest({ body: "{not json", id: "msg_bad" })); // 422
    await handler(signedRequest({ body: JSON.stringify({ ...sampleEvents["conversion.created"], data: { amount: "cs_live_secret_value" } }), id: "msg_x" })); // 422

    expect(lines.length).toBeGreaterThan(3);
    const all = lines.join("\n");
    const key = TEST_SECRET.slice("whsec_".length);
    expect(all).not.toContain(key);
    expect(all).not.toContain(Buffer.from(key, "base64").toString("latin1"));
    for (const fragment of ["cs_live_abc123", "aff_def456", "conv_ghi789", "cs_live_secret_value", "{not json"]) {
      expect(all).not.toContain(fragment);
    }
  });
});

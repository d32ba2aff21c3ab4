// The run-once step: a slow handler keeps its claim (renewed) so retries meanwhile get 409,
// a hung handler is given up after handlerTimeoutMs, and the sender's deadline shows in ctx.signal.
import { describe, expect, it } from "vitest";
import { createHandler, createMemoryStore, defineProvider, standardWebhooksScheme } from "agentref-webhooks";
import { createTestEvent } from "agentref-webhooks/testing";
import { z } from "zod";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("lease renewal", () => {
  it("a handler taking 3× leaseMs while retries arrive every leaseMs/2 runs once; the retries get 409 IN_PROGRESS", async () => {
    const leaseMs = 200;
    const store = createMemoryStore({ leaseMs, logger: {} });
    let runs = 0;
    const handler = createHandler({
      secret: TEST_SECRET,
      store,
      logger: {},
      on: {
        "conversion.created": async () => {
          runs++;
          await sleep(3 * leaseMs);
        },
      },
    });
    const body = JSON.stringify(createTestEvent("conversion.created", { id: "msg_slow" }));
    const first = handler(signedRequest({ body }));
    const retries: number[] = [];
    for (let i = 0; i < 5; i++) {
      await sleep(leaseMs / 2);
      retries.push((await handler(signedRequest({ body }))).status);
    }
    expect((await first).status).toBe(200);
    expect(runs).toBe(1);
    expect(retries.every((s) => s === 409)).toBe(true);
    expect((await handler(signedRequest({ body }))).status).toBe(200);
    expect(runs).toBe(1);
  });
});

describe("a handler that never finishes", () => {
  it("is given up after handlerTimeoutMs: answered 500 HANDLER_TIMEOUT, its claim released so the next retry runs it", async () => {
    let runs = 0;
    const failed: string[] = [];
    const handler = createHandler({
      secret: TEST_SECRET,
      logger: {},
      handlerTimeoutMs: 300,
      onFailed: (info) => void failed.push(info.error!.code),
      on: {
        "conversion.created": async () => {
          runs++;
          if (runs === 1) await new Promise(() => {});
        },
      },
    });
    const body = JSON.stringify(createTestEvent("conversion.created", { id: "msg_hung" }));
    const first = handler(signedRequest({ body }));
    await sleep(100);
    expect((await handler(signedRequest({ body }))).status).toBe(409);
    const answer = await first;
    expect(answer.status).toBe(500);
    expect(((await answer.json()) as { code: string }).code).toBe("HANDLER_TIMEOUT");
    expect(failed).toEqual(["HANDLER_TIMEOUT"]);
    expect((await handler(signedRequest({ body }))).status).toBe(200);
    expect(runs).toBe(2);
  });
});

describe("ctx.signal", () => {
  it("aborts when the provider's response timeout has passed", async () => {
    const envelope = z.looseObject({ id: z.string(), type: z.string(), data: z.looseObject({}) });
    const quick = defineProvider({
      name: "quick",
      scheme: standardWebhooksScheme,
      envelope: { schema: envelope, idKey: "id", typeKey: "type" },
      events: { "thing.done": envelope.extend({ type: z.literal("thing.done") }) },
      timeoutMs: 100,
      retrySchedule: [0, 60_000],
    });
    let abortedAfter = -1;
    const handler = createHandler({
      provider: quick,
      secret: TEST_SECRET,
      logger: {},
      on: {
        "thing.done": async (_event, ctx) => {
          const start = Date.now();
          expect(ctx.signal.aborted).toBe(false);
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          abortedAfter = Date.now() - start;
        },
      },
    });
    const response = await handler(signedRequest({ body: JSON.stringify({ id: "t1", type: "thing.done", data: {} }) }));
    expect(response.status).toBe(200);
    expect(abortedAfter).toBeGreaterThanOrEqual(50);
    expect(abortedAfter).toBeLessThan(1_000);
  });
});

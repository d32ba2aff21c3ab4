// AgentRef retries for ~46 h and may deliver the same event concurrently: the
// handler must run once per event, and never zero times.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler, createMemoryStore, type CreateHandlerOptions } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { sampleEvents } from "../../../src/events/samples.js";
import { listen, send, type RunningServer } from "../../helpers/http.js";
import { signDelivery, TEST_SECRET } from "../../helpers/sign.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: Omit<CreateHandlerOptions, "secret">) {
  const running = await listen(toNodeHandler(createHandler({ secret: TEST_SECRET, logger: {}, ...options })));
  servers.push(running);
  return running;
}

const body = JSON.stringify(sampleEvents["conversion.created"]);
const deliver = (port: number) => send(port, { body, headers: signDelivery({ body }) });

describe("concurrent deliveries of one event", () => {
  it("50 at once: the handler runs exactly once; the others get 409 while it runs, 200 after", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handler = vi.fn(() => gate);
    const { port } = await serve({ on: { "conversion.created": handler } });

    const first = deliver(port);
    await vi.waitFor(() => expect(handler).toHaveBeenCalledTimes(1));
    // 49 more while the first is still running…
    const during = await Promise.all(Array.from({ length: 49 }, () => deliver(port)));
    release();
    const firstAnswer = await first;
    // …and once more after it completed.
    const after = await Promise.all(Array.from({ length: 5 }, () => deliver(port)));

    expect(handler).toHaveBeenCalledTimes(1);
    expect(firstAnswer.status).toBe(200);
    expect(firstAnswer.json?.outcome).toBe("handled");
    for (const answer of during) {
      expect(answer.status).toBe(409);
      expect(answer.json?.code).toBe("IN_PROGRESS");
      expect(answer.headers["retry-after"]).toBeDefined();
    }
    expect(after.map((a) => [a.status, a.json?.outcome])).toEqual(Array(5).fill([200, "duplicate"]));
  });

  it("50 at once with a fast handler: exactly one runs, every answer is 200 or 409, none is lost", async () => {
    const handler = vi.fn(async () => {
      await new Promise((r) => setTimeout(r, 5));
    });
    const { port } = await serve({ on: { "conversion.created": handler } });
    const answers = await Promise.all(Array.from({ length: 50 }, () => deliver(port)));
    expect(handler).toHaveBeenCalledTimes(1);
    const outcomes = answers.map((a) => (a.status === 200 ? a.json?.outcome : a.json?.code));
    expect(outcomes.filter((o) => o === "handled")).toHaveLength(1);
    for (const o of outcomes) expect(["handled", "duplicate", "IN_PROGRESS"]).toContain(o);
    // Every 409 is retried by the sender: each retry now sees "completed".
    const retries = await Promise.all(answers.filter((a) => a.status === 409).map(() => deliver(port)));
    for (const r of retries) expect([r.status, r.json?.outcome]).toEqual([200, "duplicate"]);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("none is lost: when the first attempt's handler throws, a retry runs it again", async () => {
    let calls = 0;
    let successes = 0;
    const handler = vi.fn(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      if (calls === 1) throw new Error("transient failure");
      successes++;
    });
    const { port } = await serve({ on: { "conversion.created": handler } });
    let answers = await Promise.all(Array.from({ length: 50 }, () => deliver(port)));
    expect(answers.filter((a) => a.status === 500)).toHaveLength(1);
    for (const a of answers) expect([200, 409, 500]).toContain(a.status);
    // The sender retries every non-2xx answer until it gets a 2xx.
    for (let round = 0; round < 10 && answers.some((a) => a.status !== 200); round++) {
      answers = await Promise.all(answers.map((a) => (a.status === 200 ? a : deliver(port))));
    }
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(successes).toBe(1);
    expect(handler).toHaveBeenCalledTimes(2);
    expect((await deliver(port)).json?.outcome).toBe("duplicate");
  });
});

describe("a handler that crashed without releasing its claim", () => {
  it("blocks retries until the lease expires, then a retry runs the handler again", async () => {
    let clock = Date.parse("2026-03-23T18:00:00Z");
    const store = createMemoryStore({ leaseMs: 30_000, now: () => clock, logger: {} });
    let attempt = 0;
    const handler = vi.fn(() => {
      // The first attempt never finishes: the process "crashed" mid-handler.
      if (++attempt === 1) return new Promise<never>(() => {});
      return undefined;
    });
    const { port } = await serve({ store, on: { "conversion.created": handler } });

    const controller = new AbortController();
    const hung = fetch(`http://127.0.0.1:${port}/`, {
      method: "POST",
      headers: { "content-type": "application/json", ...signDelivery({ body }) },
      body,
      signal: controller.signal,
    }).catch(() => "aborted");
    await vi.waitFor(() => expect(handler).toHaveBeenCalledTimes(1));
    controller.abort();
    expect(await hung).toBe("aborted");

    clock += 29_000;
    const early = await deliver(port);
    expect([early.status, early.json?.code]).toEqual([409, "IN_PROGRESS"]);
    expect(handler).toHaveBeenCalledTimes(1);

    clock += 2_000; // 31 s after the claim: the lease has lapsed
    const late = await deliver(port);
    expect([late.status, late.json?.outcome]).toEqual([200, "handled"]);
    expect(handler).toHaveBeenCalledTimes(2);

    // The new owner completed it: the crashed attempt can never complete or release it.
    expect((await deliver(port)).json?.outcome).toBe("duplicate");
  });
});

import { describe, expect, it } from "vitest";
import { createHandler } from "../../../src/handler/create-handler.js";
import { createMemoryStore } from "../../../src/idempotency/memory.js";
import type { IdempotencyStore } from "../../../src/idempotency/store.js";
import { listParked, replayParked } from "../../../src/api/parked.js";
import { sampleEvents } from "../../../src/events/samples.js";
import type { LifecycleInfo } from "../../../src/lifecycle/context.js";
import { silentLogger } from "../../../src/util/logger.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";

const HOUR = 3_600_000;
let events = 0;

/** A payout.failed event created `ageMs` ago. */
function payoutFailed(ageMs: number) {
  const event = structuredClone(sampleEvents["payout.failed"]) as Record<string, unknown>;
  event.id = `msg_park_${Date.now()}_${events++}`;
  event.createdAt = new Date(Date.now() - ageMs).toISOString();
  return { id: event.id as string, body: JSON.stringify(event) };
}

/** A receiver whose payout.failed handler throws until `fixed`, counting the runs that succeeded. */
function receiver(store: IdempotencyStore, parking: boolean | { afterMs?: number } = true) {
  const state = { fixed: false, ran: [] as string[], failed: [] as LifecycleInfo[] };
  const handler = createHandler({
    secret: TEST_SECRET,
    store,
    parking,
    logger: silentLogger,
    onFailed: (info) => void state.failed.push(info),
    on: {
      "payout.failed": async (event) => {
        if (!state.fixed) throw new Error("payments API down");
        state.ran.push(event.id);
      },
    },
  });
  return { handler, state };
}

describe("parking", () => {
  it("a failure on the last attempt is parked (200 parked); an earlier failure is answered 500", async () => {
    const store = createMemoryStore({ logger: silentLogger });
    const { handler, state } = receiver(store);
    const early = payoutFailed(HOUR);
    expect((await handler(signedRequest({ body: early.body }))).status).toBe(500);

    const late = payoutFailed(40 * HOUR);
    const response = await handler(signedRequest({ body: late.body }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, outcome: "parked", id: late.id, type: "payout.failed" });
    expect(state.failed.map((info) => info.outcome)).toEqual(["failed", "parked"]);

    const parked = await listParked({ store });
    expect(parked).toEqual([
      expect.objectContaining({ eventId: late.id, type: "payout.failed", provider: "agentref", body: late.body, reason: expect.stringContaining("payments API down") }),
    ]);
  });

  it("replayParked runs a parked delivery once after the fix; replaying again runs nothing", async () => {
    const store = createMemoryStore({ logger: silentLogger });
    const { handler, state } = receiver(store);
    const late = payoutFailed(47 * HOUR);
    await handler(signedRequest({ body: late.body }));

    // Still broken: the replay is parked again and stays parked.
    const stillBroken = await replayParked({ store, secret: TEST_SECRET, to: handler });
    expect(stillBroken.replayed).toEqual([expect.objectContaining({ eventId: late.id, status: 200, outcome: "parked", unparked: false })]);
    expect(await listParked({ store })).toHaveLength(1);

    state.fixed = true;
    const first = await replayParked({ store, secret: TEST_SECRET, to: handler });
    expect(first.replayed).toEqual([expect.objectContaining({ eventId: late.id, status: 200, outcome: "handled", unparked: true })]);
    expect(state.ran).toEqual([late.id]);
    expect(await listParked({ store })).toEqual([]);
    expect((await replayParked({ store, secret: TEST_SECRET, to: handler })).replayed).toEqual([]);

    // The same delivery parked twice (two receivers parked it) and replayed twice at once: one run.
    const again = payoutFailed(47 * HOUR);
    state.fixed = false;
    await handler(signedRequest({ body: again.body }));
    const [record] = await listParked({ store });
    state.fixed = true;
    const results = await Promise.all([
      replayParked({ store, secret: TEST_SECRET, to: handler }),
      (async () => {
        await store.park!(record!);
        return replayParked({ store, secret: TEST_SECRET, to: handler });
      })(),
    ]);
    expect(state.ran).toEqual([late.id, again.id]);
    expect(results.flatMap((r) => r.replayed.map((d) => d.outcome)).sort()).toEqual(expect.arrayContaining(["handled"]));
    expect(await listParked({ store })).toEqual([]);
  });

  it("parking: { afterMs } parks failures of events older than afterMs", async () => {
    const store = createMemoryStore({ logger: silentLogger });
    const { handler } = receiver(store, { afterMs: 60_000 });
    expect((await handler(signedRequest({ body: payoutFailed(30_000).body }))).status).toBe(500);
    expect(await (await handler(signedRequest({ body: payoutFailed(120_000).body }))).json()).toMatchObject({ outcome: "parked" });
  });

  it("replays only the provider's own deliveries: another provider's would be signed with the wrong scheme", async () => {
    const store = createMemoryStore({ logger: silentLogger });
    const { handler, state } = receiver(store);
    const mine = payoutFailed(47 * HOUR);
    await handler(signedRequest({ body: mine.body }));
    await store.park!({ key: "agiled@org_1@42", provider: "agiled", eventId: "42", type: "invoice.paid", body: "{}", parkedAt: 1, reason: "down" });
    state.fixed = true;
    const { replayed } = await replayParked({ store, secret: TEST_SECRET, to: handler });
    expect(replayed.map((d) => d.eventId)).toEqual([mine.id]);
    expect((await listParked({ store })).map((p) => p.provider)).toEqual(["agiled"]);
  });

  it("a replay is signed afresh: a wrong secret is refused and the delivery stays parked", async () => {
    const store = createMemoryStore({ logger: silentLogger });
    const { handler, state } = receiver(store);
    await handler(signedRequest({ body: payoutFailed(47 * HOUR).body }));
    state.fixed = true;
    const wrong = `whsec_${Buffer.from("another-secret-of-32-bytes-long!").toString("base64")}`;
    const { replayed } = await replayParked({ store, secret: wrong, to: handler });
    expect(replayed).toEqual([expect.objectContaining({ status: 401, outcome: "INVALID_SIGNATURE", unparked: false })]);
    expect(state.ran).toEqual([]);
    expect(await listParked({ store })).toHaveLength(1);
  });

  it("a receiver URL that does not answer within timeoutMs leaves the delivery parked", async () => {
    const { createServer } = await import("node:http");
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const store = createMemoryStore({ logger: silentLogger });
      const { handler } = receiver(store);
      await handler(signedRequest({ body: payoutFailed(47 * HOUR).body }));
      const to = `http://127.0.0.1:${(silent.address() as { port: number }).port}/`;
      const { replayed } = await replayParked({ store, secret: TEST_SECRET, to, timeoutMs: 200 });
      expect(replayed).toEqual([expect.objectContaining({ status: 0, outcome: undefined, unparked: false })]);
      expect(await listParked({ store })).toHaveLength(1);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("off by default: a failure on the last attempt is answered 500", async () => {
    const store = createMemoryStore({ logger: silentLogger });
    const { handler } = receiver(store, false);
    expect((await handler(signedRequest({ body: payoutFailed(47 * HOUR).body }))).status).toBe(500);
    expect(await listParked({ store })).toEqual([]);
  });
});

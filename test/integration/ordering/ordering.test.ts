import { describe, expect, it } from "vitest";
import { createHandler } from "../../../src/handler/create-handler.js";
import { WebhookError } from "../../../src/errors/index.js";
import { createMemoryStore } from "../../../src/idempotency/memory.js";
import { silentLogger } from "../../../src/util/logger.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";
import { entityEvents, LIFECYCLES, permutations, simulate } from "./simulation.js";

const orders = permutations([0, 1, 2, 3]);

describe("ordering on the memory store: every order of the four payout and four affiliate events", () => {
  for (const kind of Object.keys(LIFECYCLES) as (keyof typeof LIFECYCLES)[]) {
    it(`${kind}: 24 orders, with failures and retries, never regress and end in order`, async () => {
      const store = createMemoryStore({ logger: silentLogger });
      for (const [i, order] of orders.entries()) {
        await simulate(store, kind, order, { seed: 1000 + i, failRate: 0.3, run: `mem${i}` });
      }
    });
  }
});

describe("ordering: answers", () => {
  const deliver = (handler: (r: Request) => Promise<Response>, body: string) => handler(signedRequest({ body }));

  it("an event older than the applied one is answered 200 stale, its handler not run, onStale called", async () => {
    const ran: string[] = [];
    const staleInfo: unknown[] = [];
    const handler = createHandler({
      secret: TEST_SECRET,
      ordering: true,
      logger: silentLogger,
      onStale: (info) => void staleInfo.push(info),
      on: { "payout.processing": () => void ran.push("processing"), "payout.completed": () => void ran.push("completed") },
    });
    const [, processing, completed] = entityEvents("payout", "answers");
    expect((await deliver(handler, completed!.body)).status).toBe(200);
    const late = await deliver(handler, processing!.body);
    expect(late.status).toBe(200);
    expect(await late.json()).toMatchObject({ ok: true, outcome: "stale" });
    expect(ran).toEqual(["completed"]);
    expect(staleInfo).toEqual([expect.objectContaining({ outcome: "stale", type: "payout.processing", status: 200 })]);
    // Its retry is a duplicate: the stale event was recorded.
    expect(await (await deliver(handler, processing!.body)).json()).toMatchObject({ outcome: "duplicate" });
  });

  it("a second event of an entity whose handler is running is answered 409 IN_PROGRESS; another entity is not held up", async () => {
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const handler = createHandler({
      secret: TEST_SECRET,
      ordering: true,
      logger: silentLogger,
      on: { "payout.created": () => gate, "payout.processing": () => {} },
    });
    const [created, processing] = entityEvents("payout", "busy");
    const [otherCreated] = entityEvents("payout", "busy-other");
    const first = deliver(handler, created!.body);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await deliver(handler, processing!.body);
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ code: "IN_PROGRESS" });
    expect(second.headers.get("retry-after")).toBe("30");
    const other = deliver(handler, otherCreated!.body);
    await new Promise((resolve) => setTimeout(resolve, 20));
    finish();
    expect((await first).status).toBe(200);
    expect((await other).status).toBe(200);
    // Once the first is done, the retry of the second runs.
    expect(await (await deliver(handler, processing!.body)).json()).toMatchObject({ outcome: "handled" });
  });

  it("a failed handler leaves the entity where it was: the retry runs, an older event still does", async () => {
    let fail = true;
    const ran: string[] = [];
    const handler = createHandler({
      secret: TEST_SECRET,
      ordering: true,
      logger: silentLogger,
      on: {
        "payout.created": () => void ran.push("created"),
        "payout.processing": () => {
          if (fail) throw new Error("down");
          ran.push("processing");
        },
      },
    });
    const [created, processing] = entityEvents("payout", "fail");
    expect((await deliver(handler, processing!.body)).status).toBe(500);
    expect((await deliver(handler, created!.body)).status).toBe(200);
    fail = false;
    expect((await deliver(handler, processing!.body)).status).toBe(200);
    expect(ran).toEqual(["created", "processing"]);
  });

  it("a crash between recording the entity's position and completing the event: the retry is stale, not run twice", async () => {
    let t = Date.now();
    const store = createMemoryStore({ logger: silentLogger, now: () => t });
    let failCompletes = 4; // completeWithRetry tries four times: the process "dies" before the mark lands
    const flaky = {
      ...store,
      settings: store.settings,
      complete: async (key: string, token: string) => {
        if (failCompletes-- > 0) throw new WebhookError("STORE_UNAVAILABLE", "connection reset");
        return store.complete(key, token);
      },
    };
    let runs = 0;
    const handler = createHandler({ secret: TEST_SECRET, store: flaky, ordering: true, logger: silentLogger, now: () => t, on: { "payout.completed": () => void runs++ } });
    const [, , completed] = entityEvents("payout", "crash");
    expect((await deliver(handler, completed!.body)).status).toBe(503);
    t += store.settings.leaseMs + 1; // the claim's lease lapses, as after a crash
    const retry = await deliver(handler, completed!.body);
    expect(await retry.json()).toMatchObject({ ok: true, outcome: "stale" });
    expect(runs).toBe(1);
  });

  it("ties: two events of one entity with the same createdAt both run, one at a time", async () => {
    const ran: string[] = [];
    const handler = createHandler({
      secret: TEST_SECRET,
      ordering: true,
      logger: silentLogger,
      on: { "payout.created": () => void ran.push("created"), "payout.processing": () => void ran.push("processing") },
    });
    const [created, processing] = entityEvents("payout", "tie").map((e) => ({ ...e, body: e.body.replace(/"createdAt":"[^"]+"/, '"createdAt":"2026-11-01T00:00:00.000Z"') }));
    expect((await deliver(handler, processing!.body)).status).toBe(200);
    expect((await deliver(handler, created!.body)).status).toBe(200);
    expect(ran).toEqual(["processing", "created"]);
  });

  it("types without an entity, and ordering off, run as before", async () => {
    const ran: string[] = [];
    const on = { "payout.processing": () => void ran.push("processing"), "payout.completed": () => void ran.push("completed") };
    const [, processing, completed] = entityEvents("payout", "off");
    const off = createHandler({ secret: TEST_SECRET, logger: silentLogger, on });
    await deliver(off, completed!.body);
    await deliver(off, processing!.body);
    expect(ran).toEqual(["completed", "processing"]);

    const custom = createHandler({
      secret: TEST_SECRET,
      logger: silentLogger,
      ordering: { entities: { "payout.completed": (event) => `payout:${event.data.id}` }, order: () => undefined },
      on,
    });
    ran.length = 0;
    await deliver(custom, completed!.body.replace(/msg_/g, "msg_custom_"));
    await deliver(custom, processing!.body.replace(/msg_/g, "msg_custom_"));
    expect(ran).toEqual(["completed", "processing"]);
  });

  it("is refused at creation with enqueue, or with a store that cannot order", () => {
    const store = createMemoryStore();
    const bare = { claim: store.claim, complete: store.complete, release: store.release, renew: store.renew, settings: store.settings };
    expect(() => createHandler({ secret: TEST_SECRET, ordering: true, store: bare, on: {} })).toThrow(/claimEntity, renewEntity, releaseEntity/);
    expect(() => createHandler({ secret: TEST_SECRET, ordering: true, enqueue: async () => {}, on: {} })).toThrow(TypeError);
  });
});

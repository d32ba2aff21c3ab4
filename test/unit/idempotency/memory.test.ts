import { describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/util/logger.js";
import { WebhookError } from "../../../src/errors/index.js";
import { createMemoryStore, DEFAULT_MAX_ENTRIES } from "../../../src/idempotency/memory.js";
import type { ClaimResult } from "../../../src/idempotency/store.js";
import { describeStoreContract } from "../../contract/store-contract.js";

const clock = { t: Date.UTC(2025, 0, 1) };
const now = () => clock.t;

describeStoreContract("memory", (options) => ({ store: createMemoryStore({ ...options, now }) }), {
  clock: "virtual",
  now,
  advance: async (ms) => {
    clock.t += ms;
  },
  leaseMs: 60_000,
  ttlMs: 3_600_000,
});

const HASH = "f".repeat(64);
const LEASE = 1_000;
const TTL = 10_000;

function token(result: ClaimResult): string {
  if (result.status !== "claimed") throw new Error(`expected claimed, got ${result.status}`);
  return result.token;
}

describe("createMemoryStore: bounded memory", () => {
  const setup = (maxEntries: number, logger = silentLogger) => {
    const c = { t: 1_000_000 };
    const store = createMemoryStore({ ttlMs: TTL, leaseMs: LEASE, maxEntries, now: () => c.t, logger });
    const done = async (key: string) => store.complete(key, token(await store.claim(key, { bodyHash: HASH })));
    return { c, store, done };
  };

  it("defaults to 10,000 entries", () => {
    expect(DEFAULT_MAX_ENTRIES).toBe(10_000);
  });

  it("evicts the oldest completed record past maxEntries, and only that one", async () => {
    const { store, done } = setup(3);
    await done("k1");
    await done("k2");
    await done("k3");
    expect((await store.claim("k4", { bodyHash: HASH })).status).toBe("claimed");
    expect(store.size).toBe(3);
    expect(await store.claim("k2", { bodyHash: HASH })).toEqual({ status: "completed" });
    expect(await store.claim("k3", { bodyHash: HASH })).toEqual({ status: "completed" });
    // The price of the bound: the evicted id is forgotten, so its duplicate would run again.
    expect((await store.claim("k1", { bodyHash: HASH })).status).toBe("claimed");
  });

  it("orders by last write: a record completed recently outlives one completed earlier", async () => {
    const { store, done } = setup(2);
    const first = token(await store.claim("early-claim", { bodyHash: HASH }));
    await done("middle");
    await store.complete("early-claim", first);
    await store.claim("new", { bodyHash: HASH });
    expect(await store.claim("early-claim", { bodyHash: HASH })).toEqual({ status: "completed" });
    expect((await store.claim("middle", { bodyHash: HASH })).status).not.toBe("completed");
  });

  it("never evicts a live lease: it evicts around it", async () => {
    const { store, done } = setup(3);
    await store.claim("live1", { bodyHash: HASH });
    await done("completed");
    await store.claim("live2", { bodyHash: HASH });
    expect((await store.claim("new", { bodyHash: HASH })).status).toBe("claimed");
    expect((await store.claim("live1", { bodyHash: HASH })).status).toBe("in-progress");
    expect((await store.claim("live2", { bodyHash: HASH })).status).toBe("in-progress");
    // The completed record was the one evicted: its id is unknown now, and with three
    // live leases there is no room for it.
    await expect(store.claim("completed", { bodyHash: HASH })).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
  });

  it("rejects with STORE_UNAVAILABLE (503) when full of live leases, warns once, and recovers when a lease lapses", async () => {
    const warn = vi.fn();
    const { c, store } = setup(2, { warn });
    await store.claim("live1", { bodyHash: HASH });
    await store.claim("live2", { bodyHash: HASH });
    const full = store.claim("late", { bodyHash: HASH });
    await expect(full).rejects.toBeInstanceOf(WebhookError);
    await expect(full).rejects.toMatchObject({ code: "STORE_UNAVAILABLE", status: 503 });
    await expect(store.claim("later", { bodyHash: HASH })).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    const fullWarnings = warn.mock.calls.filter(([message]) => /maxEntries/.test(String(message)));
    expect(fullWarnings).toHaveLength(1);
    // Keys already held still answer normally.
    expect((await store.claim("live1", { bodyHash: HASH })).status).toBe("in-progress");
    c.t += LEASE;
    expect((await store.claim("late", { bodyHash: HASH })).status).toBe("claimed");
    expect(store.size).toBe(2);
  });

  it("reclaims expired records before failing", async () => {
    const { c, store, done } = setup(2);
    await done("old");
    c.t += TTL;
    await store.claim("live", { bodyHash: HASH });
    expect((await store.claim("new", { bodyHash: HASH })).status).toBe("claimed");
  });

  it("stays within maxEntries under a long stream of deliveries", async () => {
    const { store, done } = setup(500);
    for (let i = 0; i < 5_000; i++) await done(`msg_${i}`);
    expect(store.size).toBe(500);
    expect(await store.claim("msg_4999", { bodyHash: HASH })).toEqual({ status: "completed" });
    expect(await store.claim("msg_4500", { bodyHash: HASH })).toEqual({ status: "completed" });
  });

  it("makes room for a thousandth of maxEntries at once when full, oldest first", async () => {
    const { store, done } = setup(3_000);
    for (let i = 0; i < 3_000; i++) await done(`msg_${i}`);
    expect(store.size).toBe(3_000);
    await done("msg_new");
    expect(store.size).toBe(2_998);
    expect((await store.claim("msg_3", { bodyHash: HASH })).status).toBe("completed");
    for (const evicted of ["msg_0", "msg_1", "msg_2"]) expect((await store.claim(evicted, { bodyHash: HASH })).status).toBe("claimed");
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects maxEntries %s", (maxEntries) => {
    expect(() => createMemoryStore({ maxEntries, logger: silentLogger })).toThrow(/maxEntries/);
  });
});

describe("createMemoryStore: the early-eviction warning", () => {
  const setup = (maxEntries: number) => {
    const c = { t: 1_000_000 };
    const warn = vi.fn();
    const store = createMemoryStore({ ttlMs: TTL, leaseMs: LEASE, maxEntries, now: () => c.t, logger: { warn } });
    const done = async (key: string) => store.complete(key, token(await store.claim(key, { bodyHash: HASH })));
    return { c, store, done, warn };
  };

  it("warns once, the first time it forgets a completed record before its TTL, saying what that means", async () => {
    const { done, warn } = setup(2);
    await done("a");
    await done("b");
    expect(warn).not.toHaveBeenCalled();
    await done("c"); // forgets "a", completed 0 ms ago with a 10 s TTL
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toMatch(/late retry of that event would run its handler again/);
    expect(message).toMatch(/maxEntries/);
    expect(message).toMatch(/agentref-webhooks\/sqlite/);
    await done("d");
    await done("e");
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("does not warn when what it evicts had expired anyway, or was a lapsed lease", async () => {
    const { c, store, done, warn } = setup(2);
    await store.claim("crashed", { bodyHash: HASH });
    await done("a");
    c.t += LEASE; // "crashed" lapses: the oldest record, and evictable
    await done("b");
    expect(await store.claim("a", { bodyHash: HASH })).toEqual({ status: "completed" });
    expect(warn).not.toHaveBeenCalled();
    const fresh = setup(2);
    await fresh.done("a");
    await fresh.done("b");
    fresh.c.t += TTL; // both expired
    await fresh.done("c");
    await fresh.done("d");
    expect(fresh.warn).not.toHaveBeenCalled();
  });
});

describe("createMemoryStore: nothing random, timed or I/O at creation (Workers forbid it at module scope)", () => {
  it("creates without randomness or timers, and draws its token prefix on the first claim", async () => {
    const random = vi.spyOn(Math, "random");
    const uuid = vi.spyOn(globalThis.crypto, "randomUUID");
    const getRandomValues = vi.spyOn(globalThis.crypto, "getRandomValues");
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    const setIntervalSpy = vi.spyOn(globalThis, "setInterval");
    try {
      const store = createMemoryStore({ logger: silentLogger });
      for (const spy of [random, uuid, getRandomValues, setTimeoutSpy, setIntervalSpy]) expect(spy).not.toHaveBeenCalled();
      await store.claim("first", { bodyHash: HASH });
      expect(uuid.mock.calls.length + getRandomValues.mock.calls.length).toBeGreaterThan(0);
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe("createMemoryStore: defaults", () => {
  it("uses the wall clock when no clock is injected", async () => {
    const store = createMemoryStore();
    const before = Date.now();
    const result = await store.claim("wall", { bodyHash: HASH });
    expect(result.status).toBe("claimed");
    if (result.status === "claimed") {
      expect(result.leaseExpiresAt).toBeGreaterThanOrEqual(before + 60_000);
      expect(result.leaseExpiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    }
  });
});

import { describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../src/util/logger.js";
import { WebhookError } from "../../../src/errors/index.js";
import { createMemoryStore, DEFAULT_MAX_ENTRIES } from "../../../src/idempotency/index.js";
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

  it.each([0, -1, 1.5, Number.NaN])("rejects maxEntries %s", (maxEntries) => {
    expect(() => createMemoryStore({ maxEntries, logger: silentLogger })).toThrow(/maxEntries/);
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

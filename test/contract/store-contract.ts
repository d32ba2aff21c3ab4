import { afterEach, describe, expect, it, vi } from "vitest";
import { isWebhookError } from "../../src/errors/index.js";
import { silentLogger, type Logger } from "../../src/util/logger.js";
import { idempotencyKey, type KeyParts } from "../../src/idempotency/key.js";
import {
  DEFAULT_LEASE_MS,
  DEFAULT_TTL_MS,
  type ClaimResult,
  type EntityClaimResult,
  type IdempotencyStore,
  type ParkedDelivery,
} from "../../src/idempotency/store.js";

/**
 * What a factory receives: the settings under test (passed through to the store).
 *
 * @example
 * const factory: StoreFactory = (options) => ({ store: createMemoryStore({ ...options, now: clock.now }) });
 */
export interface StoreFactoryOptions {
  ttlMs?: number;
  leaseMs?: number;
  logger?: Logger;
}

/**
 * A fresh store, optionally more stores sharing its backend over separate
 * connections (`peers`), and how to clean up.
 *
 * @example
 * const harness: StoreHarness = { store, peers: [storeOnSecondConnection], cleanup: () => {} };
 */
export interface StoreHarness {
  store: IdempotencyStore;
  peers?: IdempotencyStore[];
  cleanup?: () => void | Promise<void>;
  /**
   * Durable stores: a new store instance on the same database (file, table, prefix), as after
   * a restart; the harness may close `store` first. Absent for the memory store.
   */
  reopen?: () => IdempotencyStore | Promise<IdempotencyStore>;
}

/**
 * Builds a store with the given settings. It must throw (or reject) when the
 * settings are invalid, and must not leak connections when it does.
 *
 * @example
 * const factory: StoreFactory = (options) => ({ store: createRedisStore({ client, ...options }) });
 */
export type StoreFactory = (options: StoreFactoryOptions) => StoreHarness | Promise<StoreHarness>;

/**
 * How the suite moves time for a store.
 * - `virtual`: the store reads an injected clock; `advance` moves it instantly and exact
 *   boundaries are checked.
 * - `real`: the store uses its own (server) clock; `advance` sleeps, so pick short
 *   `leaseMs`/`ttlMs` and a `marginMs` that absorbs scheduling jitter.
 *
 * @example
 * const caps: StoreContractCapabilities = { clock: "real", now: Date.now, advance: sleep, leaseMs: 400, ttlMs: 1500, marginMs: 150 };
 */
export interface StoreContractCapabilities {
  clock: "virtual" | "real";
  /** The time the store sees (virtual) or the local clock (real), in epoch ms. */
  now(): number;
  advance(ms: number): Promise<void>;
  /** Lease used by the timing tests. */
  leaseMs: number;
  /** TTL used by the timing tests (must exceed leaseMs). */
  ttlMs: number;
  /** Slack added to real waits. Default 0 (virtual) or 150 (real). */
  marginMs?: number;
  /** Allowed difference between the store's clock and `now()`. Default 0 (virtual) or 1000 (real). */
  skewMs?: number;
}

const HASH_A = "a".repeat(64);
const HASH_B = "b".repeat(64);

let counter = 0;
const newKey = (label: string) => `msg_${label}_${Date.now().toString(36)}_${(counter++).toString(36)}_${Math.random().toString(36).slice(2)}`;

/** The store's ordering and parking methods, which every built-in store has. */
type FullStore = Required<IdempotencyStore>;
function full(store: IdempotencyStore): FullStore {
  for (const method of ["claimEntity", "renewEntity", "releaseEntity", "park", "listParked", "unpark"] as const) {
    expect(typeof store[method], method).toBe("function");
  }
  return store as FullStore;
}

function entityToken(result: EntityClaimResult): string {
  expect(result.status).toBe("claimed");
  if (result.status !== "claimed") throw new Error("unreachable");
  return result.token;
}

function claimedToken(result: ClaimResult): string {
  expect(result.status).toBe("claimed");
  if (result.status !== "claimed") throw new Error("unreachable");
  return result.token;
}

/**
 * The behaviour every `IdempotencyStore` must have, as a vitest `describe` block:
 * results of claim / duplicate / in-progress / completed / expired / released, owner
 * tokens, lease renewal, body-hash conflicts, crash recovery, millisecond units, a single
 * winner under 100 concurrent claims, every key `idempotencyKey` can produce (lone
 * surrogates, NUL, 10 KB, separators in tenants), settings validation, and no warnings.
 *
 * @example
 * const clock = { t: 1_700_000_000_000 };
 * describeStoreContract("memory", (options) => ({ store: createMemoryStore({ ...options, now: () => clock.t }) }), {
 *   clock: "virtual", now: () => clock.t, advance: async (ms) => { clock.t += ms; }, leaseMs: 60_000, ttlMs: 3_600_000,
 * });
 */
export function describeStoreContract(
  name: string,
  factory: StoreFactory,
  capabilities: StoreContractCapabilities,
): void {
  const virtual = capabilities.clock === "virtual";
  const margin = capabilities.marginMs ?? (virtual ? 0 : 150);
  const skew = capabilities.skewMs ?? (virtual ? 0 : 1000);
  const { leaseMs, ttlMs, advance } = capabilities;

  // With a real clock, a "not expired yet" check proves nothing when the machine stalled
  // past its deadline (a loaded CI box): such a run is discarded and the scenario runs
  // again on a fresh key. `since()` restarts the stopwatch; `late(ms)` tells whether more
  // than `ms` passed since then. A virtual clock is never late.
  const LATE = Symbol("late");
  const tolerateStalls = async (
    scenario: (watch: { since(): void; late(ms: number): boolean }) => Promise<typeof LATE | void>,
  ): Promise<void> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      let start = capabilities.now();
      const watch = {
        since: () => void (start = capabilities.now()),
        late: (ms: number) => !virtual && capabilities.now() - start > ms,
      };
      if ((await scenario(watch)) !== LATE) return;
    }
    throw new Error("the machine stalled in 3 attempts out of 3; the timing checks could not run");
  };

  describe(`IdempotencyStore contract: ${name}`, () => {
    const cleanups: (() => void | Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    const open = async (options: StoreFactoryOptions = { ttlMs, leaseMs, logger: silentLogger }) => {
      const harness = await factory(options);
      if (harness.cleanup) cleanups.push(harness.cleanup);
      return harness;
    };
    const openStore = async (options?: StoreFactoryOptions) => (await open(options)).store;

    describe("claim results", () => {
      it("claims a new key with an owner token and a lease", async () => {
        const store = await openStore();
        const before = capabilities.now();
        const result = await store.claim(newKey("new"), { bodyHash: HASH_A });
        expect(result.status).toBe("claimed");
        if (result.status !== "claimed") return;
        expect(typeof result.token).toBe("string");
        expect(result.token.length).toBeGreaterThanOrEqual(16);
        // A lease is always set, and in milliseconds.
        expect(result.leaseExpiresAt).toBeGreaterThanOrEqual(before + leaseMs - skew);
        expect(result.leaseExpiresAt).toBeLessThanOrEqual(capabilities.now() + leaseMs + skew);
      });

      it("answers in-progress to a second claim while the lease is live", async () => {
        const store = await openStore();
        const key = newKey("busy");
        claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        const second = await store.claim(key, { bodyHash: HASH_A });
        expect(second.status).toBe("in-progress");
        if (second.status !== "in-progress") return;
        expect(second.retryAfterMs).toBeGreaterThan(0);
        expect(second.retryAfterMs).toBeLessThanOrEqual(leaseMs);
      });

      it("answers completed to every claim after complete (a duplicate)", async () => {
        const store = await openStore();
        const key = newKey("done");
        const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(await store.complete(key, token)).toBe(true);
        expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "completed" });
        expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "completed" });
      });

      it("lets a released key be claimed again, under a new token", async () => {
        const store = await openStore();
        const key = newKey("released");
        const first = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(await store.release(key, first)).toBe(true);
        const second = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(second).not.toBe(first);
      });

      it("answers conflict for the same key with another body, in progress and completed", async () => {
        const store = await openStore();
        const key = newKey("conflict");
        const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(await store.claim(key, { bodyHash: HASH_B })).toEqual({ status: "conflict" });
        expect(await store.complete(key, token)).toBe(true);
        expect(await store.claim(key, { bodyHash: HASH_B })).toEqual({ status: "conflict" });
        // The conflict changed nothing: the original body is still a duplicate.
        expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "completed" });
      });

      it("keeps keys independent, whatever characters they hold", async () => {
        const store = await openStore();
        const base = newKey("chars");
        const keys = [`${base}:a:b`, `${base} spaced`, `${base}_ünïcødé_🚀`, `${base}${"x".repeat(300)}`, `${base}'";--`];
        const tokens = await Promise.all(keys.map(async (k) => claimedToken(await store.claim(k, { bodyHash: HASH_A }))));
        expect(await store.complete(keys[0]!, tokens[0]!)).toBe(true);
        expect(await store.claim(keys[0]!, { bodyHash: HASH_A })).toEqual({ status: "completed" });
        for (const k of keys.slice(1)) expect((await store.claim(k, { bodyHash: HASH_A })).status).toBe("in-progress");
        expect(claimedToken(await store.claim(`${base}:a`, { bodyHash: HASH_A }))).toBeTruthy();
      });
    });

    describe("owner tokens", () => {
      it("refuses complete and release without the owner token", async () => {
        const store = await openStore();
        const key = newKey("owner");
        const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(await store.complete(key, "not-the-owner")).toBe(false);
        expect(await store.release(key, "not-the-owner")).toBe(false);
        expect((await store.claim(key, { bodyHash: HASH_A })).status).toBe("in-progress");
        expect(await store.complete(key, token)).toBe(true);
        expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "completed" });
      });

      it("answers false for keys it never saw", async () => {
        const store = await openStore();
        expect(await store.complete(newKey("unknown"), "token")).toBe(false);
        expect(await store.release(newKey("unknown"), "token")).toBe(false);
      });

      it("does not let release undo a completion", async () => {
        const store = await openStore();
        const key = newKey("no-undo");
        const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(await store.complete(key, token)).toBe(true);
        expect(await store.release(key, token)).toBe(false);
        expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "completed" });
      });

      it("keeps a stale owner (lease lapsed, key taken over) from touching the new owner's record", async () => {
        const store = await openStore();
        await tolerateStalls(async (watch) => {
          const key = newKey("stale");
          const stale = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          await advance(leaseMs + margin);
          watch.since();
          const fresh = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          expect(fresh).not.toBe(stale);
          expect(await store.complete(key, stale)).toBe(false);
          expect(await store.release(key, stale)).toBe(false);
          const during = await store.claim(key, { bodyHash: HASH_A });
          if (watch.late(leaseMs - 50)) return LATE;
          expect(during.status).toBe("in-progress");
          expect(await store.complete(key, fresh)).toBe(true);
          expect(await store.release(key, stale)).toBe(false);
          expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "completed" });
        });
      });
    });

    describe("lease renewal", () => {
      it("renews only for the owner of an in-progress claim", async () => {
        const store = await openStore();
        const key = newKey("renew-owner");
        const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(await store.renew(key, "not-the-owner")).toBe(false);
        expect(await store.renew(key, token)).toBe(true);
        expect(await store.complete(key, token)).toBe(true);
        // Completed: nothing left to renew, and renewing does not reopen it.
        expect(await store.renew(key, token)).toBe(false);
        expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "completed" });

        const released = newKey("renew-released");
        const releasedToken = claimedToken(await store.claim(released, { bodyHash: HASH_A }));
        expect(await store.release(released, releasedToken)).toBe(true);
        expect(await store.renew(released, releasedToken)).toBe(false);
        // The failed renewal created nothing: the key is free.
        claimedToken(await store.claim(released, { bodyHash: HASH_A }));

        expect(await store.renew(newKey("renew-unknown"), "token")).toBe(false);
      });

      it("keeps a renewed claim in progress past its original lease", async () => {
        const store = await openStore();
        await tolerateStalls(async (watch) => {
          const key = newKey("renewed");
          const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          const step = Math.floor((leaseMs * 3) / 5);
          await advance(step);
          watch.since();
          expect(await store.renew(key, token)).toBe(true);
          // 1.2 × leaseMs after the claim: the original lease is over, the renewed one is not.
          await advance(step);
          const during = await store.claim(key, { bodyHash: HASH_A });
          if (watch.late(leaseMs - 50)) return LATE;
          expect(during.status).toBe("in-progress");
          if (during.status === "in-progress") {
            expect(during.retryAfterMs).toBeLessThanOrEqual(leaseMs - step + skew);
            if (virtual) expect(during.retryAfterMs).toBe(leaseMs - step);
          }
          // Renewing again keeps it; the owner still completes it.
          expect(await store.renew(key, token)).toBe(true);
          expect(await store.complete(key, token)).toBe(true);
          expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "completed" });
        });
      });

      it("lets an un-renewed claim lapse after leaseMs; the stale owner can no longer renew", async () => {
        const store = await openStore();
        const key = newKey("unrenewed");
        const stale = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        await advance(leaseMs + margin);
        const fresh = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(await store.renew(key, stale)).toBe(false);
        expect(await store.renew(key, fresh)).toBe(true);
        expect((await store.claim(key, { bodyHash: HASH_A })).status).toBe("in-progress");
      });

      it("renews a lapsed lease that nobody took over (the owner is still the owner)", async () => {
        const store = await openStore();
        await tolerateStalls(async (watch) => {
          const key = newKey("late-renew");
          const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          await advance(leaseMs + margin);
          watch.since();
          expect(await store.renew(key, token)).toBe(true);
          const during = await store.claim(key, { bodyHash: HASH_A });
          if (watch.late(leaseMs - 50)) return LATE;
          expect(during.status).toBe("in-progress");
        });
      });

      it("restarts the record's life, so a claim renewed past its TTL is not forgotten", async () => {
        const store = await openStore();
        await tolerateStalls(async (watch) => {
          const key = newKey("renew-ttl");
          const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          // Renew every half lease until the claim is older than its TTL.
          const half = Math.floor(leaseMs / 2);
          watch.since();
          for (let waited = 0; waited <= ttlMs; waited += half) {
            await advance(half);
            if (watch.late(leaseMs - 50)) return LATE;
            expect(await store.renew(key, token)).toBe(true);
            watch.since();
          }
          const during = await store.claim(key, { bodyHash: HASH_A });
          if (watch.late(leaseMs - 50)) return LATE;
          expect(during.status).toBe("in-progress");
          expect(await store.complete(key, token)).toBe(true);
        });
      });
    });

    describe("every key idempotencyKey can produce", () => {
      // Inputs a provider can send as ids and tenants. The nonce keeps runs against a
      // persistent database apart; it is a plain prefix, so it cannot make two inputs equal.
      const inputs = (nonce: string): KeyParts[] => {
        const big = "x".repeat(10 * 1024);
        const ids = [
          "evt_",
          "evt_\uD800", // lone high surrogate
          "evt_\uDBFF",
          "evt_\uDC00", // lone low surrogate
          "evt_\uFFFD", // what a lone surrogate becomes in UTF-8
          "evt_\uD83D\uDE80", // a valid pair (🚀)
          "evt_\uDE80\uD83D", // the same units, reversed: two lone surrogates
          "evt_\u0000",
          "evt_\u0000\u0000",
          "evt_\u0000x",
          big,
          `${big}y`,
          `${big.slice(1)}y`,
          `${big}\uD800`,
          "evt%0041", // looks like an escape
          "evt#1",
          "evt@1",
        ];
        const tenants = ["mer:1", "mer@1", "mer%1", "mer#1", "mer%003A1", "a@b", "\uD800", "\u0000", "", big];
        return [
          ...ids.map((id) => ({ provider: "agentref", tenant: "mer_1", id: `${nonce}${id}` })),
          ...ids.map((id) => ({ provider: "agentref", id: `${nonce}${id}` })),
          ...tenants.map((tenant) => ({ provider: "agentref", tenant, id: `${nonce}evt` })),
          // A separator moved between tenant and id.
          { provider: "agentref", tenant: "a", id: `${nonce}b@c` },
          { provider: "agentref", tenant: "a@b", id: `${nonce}c` },
          { provider: "agentsend", tenant: "mer_1", id: `${nonce}evt` },
        ];
      };

      it("maps every input to its own key: each is claimed, completed, then a duplicate", async () => {
        const store = await openStore();
        const parts = inputs(newKey("edge"));
        const keys = await Promise.all(parts.map((p) => idempotencyKey(p)));
        expect(new Set(keys).size).toBe(parts.length);
        // In order: had the store folded two inputs together, the later one would not be "claimed".
        for (const [i, key] of keys.entries()) {
          const label = JSON.stringify(parts[i]).slice(0, 120);
          const claim = await store.claim(key, { bodyHash: HASH_A });
          expect([label, claim.status]).toEqual([label, "claimed"]);
          if (claim.status !== "claimed") continue;
          expect([label, await store.complete(key, claim.token)]).toEqual([label, true]);
          expect([label, await store.claim(key, { bodyHash: HASH_A })]).toEqual([label, { status: "completed" }]);
        }
      });

      it("keeps ids that differ only by a lone surrogate apart, with different bodies (no ID_CONFLICT)", async () => {
        const store = await openStore();
        const nonce = newKey("surrogate");
        const ids = ["\uD800", "\uD801", "\uDC00", "\uFFFD", "?", ""].map((tail) => `${nonce}${tail}`);
        for (const [i, id] of ids.entries()) {
          const key = await idempotencyKey({ provider: "agentref", tenant: "mer_\uD800", id });
          const bodyHash = i % 2 === 0 ? HASH_A : HASH_B;
          const token = claimedToken(await store.claim(key, { bodyHash }));
          expect(await store.complete(key, token)).toBe(true);
        }
      });
    });

    describe("crash recovery and expiry", () => {
      it("makes a never-completed claim claimable after its lease, not before", async () => {
        const store = await openStore();
        await tolerateStalls(async (watch) => {
          const key = newKey("crash");
          watch.since();
          const crashed = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          if (virtual) {
            await advance(leaseMs - 1);
            expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "in-progress", retryAfterMs: 1 });
            await advance(1);
          } else {
            await advance(Math.floor(leaseMs / 4));
            const early = await store.claim(key, { bodyHash: HASH_A });
            if (watch.late(leaseMs - 50)) return LATE;
            expect(early.status).toBe("in-progress");
            await advance(leaseMs - Math.floor(leaseMs / 4) + margin);
          }
          const retry = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          expect(retry).not.toBe(crashed);
        });
      });

      it("reports the remaining lease in retryAfterMs", async () => {
        const store = await openStore();
        await tolerateStalls(async (watch) => {
          const key = newKey("retry-after");
          watch.since();
          claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          const half = Math.floor(leaseMs / 2);
          await advance(half);
          const result = await store.claim(key, { bodyHash: HASH_A });
          if (watch.late(leaseMs - 50)) return LATE;
          expect(result.status).toBe("in-progress");
          if (result.status !== "in-progress") return;
          if (virtual) expect(result.retryAfterMs).toBe(leaseMs - half);
          else expect(result.retryAfterMs).toBeLessThanOrEqual(leaseMs - half + skew);
        });
      });

      it("still answers conflict for another body after the lease lapsed", async () => {
        const store = await openStore();
        const key = newKey("lapsed-conflict");
        claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        await advance(leaseMs + margin);
        expect(await store.claim(key, { bodyHash: HASH_B })).toEqual({ status: "conflict" });
        claimedToken(await store.claim(key, { bodyHash: HASH_A }));
      });

      it("treats an expired record as absent (claimable, even with another body)", async () => {
        const store = await openStore();
        const key = newKey("expired");
        const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(await store.complete(key, token)).toBe(true);
        await advance(ttlMs + margin);
        claimedToken(await store.claim(key, { bodyHash: HASH_B }));
      });

      it("takes the TTL in milliseconds: 1500 ms is neither 1 s nor 1500 s (nor rounded up to 2 s)", async () => {
        const store = await openStore({ ttlMs: 1500, leaseMs: 500, logger: silentLogger });
        await tolerateStalls(async (watch) => {
          const key = newKey("ttl-units");
          const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          watch.since();
          expect(await store.complete(key, token)).toBe(true);
          await advance(1200);
          const mid = await store.claim(key, { bodyHash: HASH_A });
          if (watch.late(1450)) return LATE;
          expect(mid).toEqual({ status: "completed" });
          await advance(virtual ? 300 : 500);
          claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        });
      });

      it("takes the lease in milliseconds: 500 ms is neither 0 s, 1 s nor 500 s", async () => {
        const store = await openStore({ ttlMs: 5000, leaseMs: 500, logger: silentLogger });
        await tolerateStalls(async (watch) => {
          const key = newKey("lease-units");
          watch.since();
          claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          await advance(300);
          const busy = await store.claim(key, { bodyHash: HASH_A });
          if (watch.late(450)) return LATE;
          expect(busy.status).toBe("in-progress");
          if (busy.status === "in-progress") expect(busy.retryAfterMs).toBeLessThanOrEqual(200 + skew);
          await advance(virtual ? 200 : 300);
          claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        });
      });

      it("restarts the TTL at completion", async () => {
        const store = await openStore();
        await tolerateStalls(async (watch) => {
          const key = newKey("ttl-restart");
          const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
          // Complete late in the lease, then look just past the claim's TTL: the record must
          // still be there, because a retry can come a whole TTL after the completion.
          const wait = Math.floor((leaseMs * 3) / 4);
          await advance(wait);
          watch.since();
          expect(await store.complete(key, token)).toBe(true);
          await advance(ttlMs - wait + (virtual ? 1 : 50));
          const after = await store.claim(key, { bodyHash: HASH_A });
          if (watch.late(ttlMs - 50)) return LATE;
          expect(after).toEqual({ status: "completed" });
        });
      });
    });

    describe("concurrency", () => {
      it("gives 100 concurrent claims of one key exactly one winner", async () => {
        // A long lease: on a loaded machine 100 claims can take longer than the short
        // timing-test lease, and a lapsed lease is rightly taken over by a later claim.
        const { store, peers = [] } = await open({ ttlMs: 3_600_000, leaseMs: 60_000, logger: silentLogger });
        const stores = [store, ...peers];
        const key = newKey("race");
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => stores[i % stores.length]!.claim(key, { bodyHash: HASH_A })),
        );
        const winners = results.filter((r) => r.status === "claimed");
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => r.status === "in-progress")).toHaveLength(99);
        expect(await store.complete(key, claimedToken(winners[0]!))).toBe(true);
        const after = await Promise.all(
          Array.from({ length: 100 }, (_, i) => stores[i % stores.length]!.claim(key, { bodyHash: HASH_A })),
        );
        expect(after.every((r) => r.status === "completed")).toBe(true);
      });

      it("lets 100 concurrent claims of different keys all win", async () => {
        const store = await openStore();
        const base = newKey("many");
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => store.claim(`${base}_${i}`, { bodyHash: HASH_A })),
        );
        expect(results.every((r) => r.status === "claimed")).toBe(true);
      });
    });

    describe("ordering (entity claims)", () => {
      const at = (order: number | undefined, eventId: string) => ({ order, eventId });
      const T = 1_767_225_600_000; // an AgentRef createdAt in epoch ms

      it("claims a free entity, answers in-progress while its lock is held, and stale once a newer event was applied", async () => {
        const store = full(await openStore());
        const entity = newKey("entity");
        const first = entityToken(await store.claimEntity(entity, at(T, "evt_a")));
        expect(first.length).toBeGreaterThanOrEqual(16);
        const busy = await store.claimEntity(entity, at(T + 1000, "evt_b"));
        expect(busy.status).toBe("in-progress");
        if (busy.status === "in-progress") {
          expect(busy.retryAfterMs).toBeGreaterThan(0);
          expect(busy.retryAfterMs).toBeLessThanOrEqual(leaseMs);
        }
        expect(await store.releaseEntity(entity, first, at(T, "evt_a"))).toBe(true);
        // The very event that was applied, and any older one, are stale.
        expect(await store.claimEntity(entity, at(T, "evt_a"))).toEqual({ status: "stale" });
        expect(await store.claimEntity(entity, at(T - 1, "evt_z"))).toEqual({ status: "stale" });
        const second = entityToken(await store.claimEntity(entity, at(T + 1000, "evt_b")));
        expect(second).not.toBe(first);
        expect(await store.releaseEntity(entity, second, at(T + 1000, "evt_b"))).toBe(true);
        expect(await store.claimEntity(entity, at(T + 500, "evt_c"))).toEqual({ status: "stale" });
        // Entities are independent.
        entityToken(await store.claimEntity(`${entity}_other`, at(T - 1, "evt_z")));
      });

      it("checks staleness before the lock: a stale event is stale even while another holds the entity", async () => {
        const store = full(await openStore());
        const entity = newKey("stale-first");
        const first = entityToken(await store.claimEntity(entity, at(T, "evt_a")));
        expect(await store.releaseEntity(entity, first, at(T, "evt_a"))).toBe(true);
        entityToken(await store.claimEntity(entity, at(T + 10, "evt_b")));
        expect(await store.claimEntity(entity, at(T - 10, "evt_old"))).toEqual({ status: "stale" });
        expect(await store.claimEntity(entity, at(T, "evt_a"))).toEqual({ status: "stale" });
        expect((await store.claimEntity(entity, at(T + 20, "evt_c"))).status).toBe("in-progress");
      });

      it("applies ties (equal order, different ids) one at a time; the same id is stale", async () => {
        const store = full(await openStore());
        const entity = newKey("ties");
        const a = entityToken(await store.claimEntity(entity, at(T, "evt_a")));
        expect((await store.claimEntity(entity, at(T, "evt_b"))).status).toBe("in-progress");
        expect(await store.releaseEntity(entity, a, at(T, "evt_a"))).toBe(true);
        const b = entityToken(await store.claimEntity(entity, at(T, "evt_b")));
        expect((await store.claimEntity(entity, at(T, "evt_c"))).status).toBe("in-progress");
        expect(await store.releaseEntity(entity, b, at(T, "evt_b"))).toBe(true);
        expect(await store.claimEntity(entity, at(T, "evt_b"))).toEqual({ status: "stale" });
        const c = entityToken(await store.claimEntity(entity, at(T, "evt_c")));
        expect(await store.releaseEntity(entity, c, at(T, "evt_c"))).toBe(true);
        expect(await store.claimEntity(entity, at(T, "evt_c"))).toEqual({ status: "stale" });
        // Ids compare exactly: case and look-alikes are other events.
        entityToken(await store.claimEntity(entity, at(T, "EVT_C")));
      });

      it("never finds an event without an order stale, and lets it move nothing", async () => {
        const store = full(await openStore());
        const fresh = newKey("unordered");
        const x = entityToken(await store.claimEntity(fresh, at(undefined, "evt_x")));
        expect((await store.claimEntity(fresh, at(undefined, "evt_y"))).status).toBe("in-progress");
        expect(await store.releaseEntity(fresh, x, at(undefined, "evt_x"))).toBe(true);
        const again = entityToken(await store.claimEntity(fresh, at(undefined, "evt_x")));
        expect(await store.releaseEntity(fresh, again)).toBe(true);

        const entity = newKey("unordered-applied");
        const a = entityToken(await store.claimEntity(entity, at(T, "evt_a")));
        expect(await store.releaseEntity(entity, a, at(T, "evt_a"))).toBe(true);
        const u = entityToken(await store.claimEntity(entity, at(undefined, "evt_a")));
        expect(await store.releaseEntity(entity, u, at(undefined, "evt_u"))).toBe(true);
        // The applied position is still evt_a at T.
        expect(await store.claimEntity(entity, at(T, "evt_a"))).toEqual({ status: "stale" });
        expect(await store.claimEntity(entity, at(T - 1, "evt_older"))).toEqual({ status: "stale" });
        entityToken(await store.claimEntity(entity, at(T + 1, "evt_b")));
      });

      it("renews and releases only for the lock's holder", async () => {
        const store = full(await openStore());
        await tolerateStalls(async (watch) => {
          const entity = newKey("entity-owner");
          watch.since();
          const token = entityToken(await store.claimEntity(entity, at(T, "evt_a")));
          expect(await store.renewEntity(entity, "not-the-owner")).toBe(false);
          expect(await store.releaseEntity(entity, "not-the-owner")).toBe(false);
          const during = await store.claimEntity(entity, at(T + 1, "evt_b"));
          const renewed = await store.renewEntity(entity, token);
          const released = await store.releaseEntity(entity, token);
          // Each step must come within a lease of the claim (or the renewal) for these to hold.
          if (watch.late(leaseMs - 50)) return LATE;
          expect(during.status).toBe("in-progress");
          expect(renewed).toBe(true);
          expect(released).toBe(true);
          expect(await store.releaseEntity(entity, token)).toBe(false);
          expect(await store.renewEntity(entity, token)).toBe(false);
          // Released without a position: nothing was applied, any event may take it.
          entityToken(await store.claimEntity(entity, at(T - 1000, "evt_old")));
        });
        expect(await store.renewEntity(newKey("entity-unknown"), "token")).toBe(false);
        expect(await store.releaseEntity(newKey("entity-unknown"), "token")).toBe(false);
      });

      it("lets a lock lapse after leaseMs: another event takes over, the old holder can no longer renew or release", async () => {
        const store = full(await openStore());
        await tolerateStalls(async (watch) => {
          const entity = newKey("entity-lapse");
          const stale = entityToken(await store.claimEntity(entity, at(T, "evt_a")));
          await advance(leaseMs + margin);
          watch.since();
          const fresh = entityToken(await store.claimEntity(entity, at(T + 1, "evt_b")));
          expect(fresh).not.toBe(stale);
          expect(await store.renewEntity(entity, stale)).toBe(false);
          expect(await store.releaseEntity(entity, stale)).toBe(false);
          const during = await store.claimEntity(entity, at(T + 2, "evt_c"));
          if (watch.late(leaseMs - 50)) return LATE;
          expect(during.status).toBe("in-progress");
          expect(await store.releaseEntity(entity, fresh, at(T + 1, "evt_b"))).toBe(true);
        });
      });

      it("keeps a renewed lock past its original lease", async () => {
        const store = full(await openStore());
        await tolerateStalls(async (watch) => {
          const entity = newKey("entity-renew");
          const token = entityToken(await store.claimEntity(entity, at(T, "evt_a")));
          const step = Math.floor((leaseMs * 3) / 5);
          await advance(step);
          watch.since();
          expect(await store.renewEntity(entity, token)).toBe(true);
          await advance(step);
          const during = await store.claimEntity(entity, at(T + 1, "evt_b"));
          if (watch.late(leaseMs - 50)) return LATE;
          expect(during.status).toBe("in-progress");
          if (during.status === "in-progress") {
            expect(during.retryAfterMs).toBeLessThanOrEqual(leaseMs - step + skew);
            if (virtual) expect(during.retryAfterMs).toBe(leaseMs - step);
          }
          expect(await store.renewEntity(entity, token)).toBe(true);
          expect(await store.releaseEntity(entity, token, at(T, "evt_a"))).toBe(true);
        });
      });

      it("never moves the applied position back, and records it even after the lock was lost", async () => {
        const store = full(await openStore());
        const entity = newKey("entity-monotonic");
        const newer = entityToken(await store.claimEntity(entity, at(T + 100, "evt_new")));
        await advance(leaseMs + margin);
        // The newer event's lease lapsed; an older one (nothing applied yet) takes the lock.
        const older = entityToken(await store.claimEntity(entity, at(T, "evt_old")));
        expect(await store.releaseEntity(entity, newer, at(T + 100, "evt_new"))).toBe(false);
        expect(await store.releaseEntity(entity, older, at(T, "evt_old"))).toBe(true);
        expect(await store.claimEntity(entity, at(T + 50, "evt_mid"))).toEqual({ status: "stale" });
        expect(await store.claimEntity(entity, at(T + 100, "evt_new"))).toEqual({ status: "stale" });
        entityToken(await store.claimEntity(entity, at(T + 101, "evt_next")));

        // A position recorded with no lock at all creates the entity.
        const unseen = newKey("entity-unseen");
        expect(await store.releaseEntity(unseen, "no-such-token", at(T, "evt_a"))).toBe(false);
        expect(await store.claimEntity(unseen, at(T - 1, "evt_old"))).toEqual({ status: "stale" });
        entityToken(await store.claimEntity(unseen, at(T, "evt_b")));
      });

      it("forgets an entity ttlMs after its last write, and restarts that TTL on release", async () => {
        const store = full(await openStore());
        await tolerateStalls(async (watch) => {
          const entity = newKey("entity-ttl");
          const token = entityToken(await store.claimEntity(entity, at(T, "evt_a")));
          const wait = Math.floor((leaseMs * 3) / 4);
          await advance(wait);
          watch.since();
          expect(await store.releaseEntity(entity, token, at(T, "evt_a"))).toBe(true);
          await advance(ttlMs - wait + (virtual ? 1 : 50));
          const remembered = await store.claimEntity(entity, at(T - 1, "evt_old"));
          if (watch.late(ttlMs - 50)) return LATE;
          expect(remembered).toEqual({ status: "stale" });
          await advance(wait + margin);
          // Forgotten: an old event is no longer stale, and even the same one runs again.
          const old = entityToken(await store.claimEntity(entity, at(T - 1, "evt_old")));
          expect(await store.releaseEntity(entity, old)).toBe(true);
          entityToken(await store.claimEntity(entity, at(T, "evt_a")));
        });
      });

      it("gives 50 concurrent claims of one entity exactly one holder", async () => {
        const { store, peers = [] } = await open({ ttlMs: 3_600_000, leaseMs: 60_000, logger: silentLogger });
        const stores = [store, ...peers].map(full);
        const entity = newKey("entity-race");
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.claimEntity(entity, at(T + i, `evt_${i}`))),
        );
        const winners = results.filter((r) => r.status === "claimed");
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => r.status === "in-progress")).toHaveLength(49);
        const winner = results.findIndex((r) => r.status === "claimed");
        expect(await stores[0]!.releaseEntity(entity, entityToken(winners[0]!), at(T + winner, `evt_${winner}`))).toBe(true);
        // The same race after it: the older events are stale, and one newer event wins.
        const after = await Promise.all(
          Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.claimEntity(entity, at(T + i, `evt_${i}`))),
        );
        const expectedWinners = winner === 49 ? 0 : 1;
        expect(after.filter((r) => r.status === "claimed")).toHaveLength(expectedWinners);
        expect(after.filter((r) => r.status === "stale")).toHaveLength(winner + 1);
      });
    });

    describe("parking", () => {
      const delivery = (key: string, parkedAt: number, extra: Partial<ParkedDelivery> = {}): ParkedDelivery => ({
        key,
        provider: "agentref",
        eventId: `evt_${key}`,
        type: "payout.failed",
        body: JSON.stringify({ id: `evt_${key}`, note: "ünïcødé 🚀 ' \" \\ \n", pad: "x".repeat(10 * 1024) }),
        parkedAt,
        reason: "Error: the ledger was down",
        ...extra,
      });
      // Parked deliveries outlive every test on a shared table or prefix: each test starts empty.
      const emptied = async (store: FullStore) => {
        for (const parked of await store.listParked()) await store.unpark(parked.key);
        expect(await store.listParked()).toEqual([]);
        return store;
      };

      it("keeps parked deliveries whole, lists them oldest first, honours limit, and unparks them", async () => {
        const store = await emptied(full(await openStore()));
        const base = Date.UTC(2026, 0, 1);
        const [a, b, c] = [newKey("park-a"), newKey("park-b"), newKey("park-c")];
        await store.park(delivery(b, base + 2000));
        await store.park(delivery(a, base + 1000, { reason: "x".repeat(2000) }));
        await store.park(delivery(c, base + 3000));
        expect(await store.listParked()).toEqual([
          delivery(a, base + 1000, { reason: "x".repeat(2000) }),
          delivery(b, base + 2000),
          delivery(c, base + 3000),
        ]);
        expect((await store.listParked({ limit: 2 })).map((d) => d.key)).toEqual([a, b]);
        expect((await store.listParked({ limit: 10 })).map((d) => d.key)).toEqual([a, b, c]);
        expect(await store.listParked({ limit: 0 })).toEqual([]);
        expect(await store.unpark(b)).toBe(true);
        expect(await store.unpark(b)).toBe(false);
        expect(await store.unpark(newKey("never-parked"))).toBe(false);
        expect((await store.listParked()).map((d) => d.key)).toEqual([a, c]);
        await emptied(store);
      });

      it("lists deliveries parked at the same time by key, and refuses a limit that is not a whole number >= 0", async () => {
        const store = await emptied(full(await openStore()));
        const at = Date.UTC(2026, 0, 4);
        const [a, b, c] = [newKey("tie-a"), newKey("tie-b"), newKey("tie-c")];
        for (const key of [b, c, a]) await store.park(delivery(key, at));
        expect((await store.listParked()).map((d) => d.key)).toEqual([a, b, c]);
        expect((await store.listParked({ limit: 1 })).map((d) => d.key)).toEqual([a]);
        // Matched by message: D1's contract runs inside workerd, whose errors reach the test as plain Errors.
        await expect(store.listParked({ limit: -1 })).rejects.toThrow(/listParked limit must be a positive number/);
        await expect(store.listParked({ limit: 1.5 })).rejects.toThrow(/listParked limit must be a whole number/);
        await emptied(store);
      });

      it("replaces a delivery parked again under the same key", async () => {
        const store = await emptied(full(await openStore()));
        const base = Date.UTC(2026, 0, 2);
        const [a, b] = [newKey("repark-a"), newKey("repark-b")];
        await store.park(delivery(a, base + 1000));
        await store.park(delivery(b, base + 2000));
        const again = delivery(a, base + 3000, { reason: "Error: still down", body: '{"id":"second"}', type: "payout.updated" });
        await store.park(again);
        expect(await store.listParked()).toEqual([delivery(b, base + 2000), again]);
        expect(await store.unpark(a)).toBe(true);
        expect(await store.listParked()).toEqual([delivery(b, base + 2000)]);
        await emptied(store);
      });

      it("does not expire parked deliveries (not after ttlMs either)", async () => {
        const store = await emptied(full(await openStore()));
        const key = newKey("park-ttl");
        await store.park(delivery(key, capabilities.now()));
        await advance(ttlMs + margin);
        expect((await store.listParked()).map((d) => d.key)).toEqual([key]);
        await emptied(store);
      });

      it("keeps parked deliveries when the store is opened again (durable stores)", async () => {
        const harness = await open();
        if (harness.reopen === undefined) return; // the memory store forgets on restart, by design
        const store = await emptied(full(harness.store));
        const key = newKey("park-durable");
        const parked = delivery(key, Date.UTC(2026, 0, 3));
        await store.park(parked);
        const reopened = full(await harness.reopen());
        expect(await reopened.listParked()).toEqual([parked]);
        expect(await reopened.unpark(key)).toBe(true);
        expect(await reopened.listParked()).toEqual([]);
      });
    });

    describe("settings", () => {
      it("defaults to a 48 h TTL and a 60 s lease, without a warning", async () => {
        const warn = vi.fn();
        const store = await openStore({ logger: { warn } });
        expect(store.settings).toEqual({ ttlMs: DEFAULT_TTL_MS, leaseMs: DEFAULT_LEASE_MS });
        expect(warn).not.toHaveBeenCalled();
      });

      it.each([
        ["ttlMs 0", { ttlMs: 0 }, RangeError],
        ["negative ttlMs", { ttlMs: -1000 }, RangeError],
        ["fractional ttlMs", { ttlMs: 1500.5 }, TypeError],
        ["NaN ttlMs", { ttlMs: Number.NaN }, TypeError],
        ["infinite ttlMs", { ttlMs: Number.POSITIVE_INFINITY }, TypeError],
        ["string ttlMs", { ttlMs: "172800" as unknown as number }, TypeError],
        ["leaseMs 0", { leaseMs: 0 }, RangeError],
        ["fractional leaseMs", { leaseMs: 0.5 }, TypeError],
        ["leaseMs equal to ttlMs", { ttlMs: 60_000, leaseMs: 60_000 }, RangeError],
        ["leaseMs longer than ttlMs", { ttlMs: 1000, leaseMs: 2000 }, RangeError],
        ["default leaseMs longer than a tiny ttlMs", { ttlMs: 1000 }, RangeError],
      ] as const)("rejects %s", async (_label, settings, errorClass) => {
        await expect(Promise.resolve().then(() => factory({ ...settings, logger: silentLogger }))).rejects.toThrow(
          errorClass,
        );
      });

      it("does not warn about a short TTL (the handler does, from its provider's retry span)", async () => {
        const warn = vi.fn();
        const store = await openStore({ ttlMs: 2 * 3_600_000, leaseMs, logger: { warn } });
        const key = newKey("no-warn");
        const token = claimedToken(await store.claim(key, { bodyHash: HASH_A }));
        expect(await store.renew(key, token)).toBe(true);
        expect(await store.complete(key, token)).toBe(true);
        expect(await store.claim(key, { bodyHash: HASH_A })).toEqual({ status: "completed" });
        expect(warn).not.toHaveBeenCalled();
      });
    });
  });
}

/**
 * Retries `check` until it passes or `timeoutMs` runs out.
 *
 * @example
 * await eventually(async () => expect(await ping()).toBe("PONG"));
 */
export async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * A sender delivering `count` events through the store with retries until each is
 * acknowledged, while `disrupt` runs once a third of them are done. Returns how many
 * times each event's "handler" ran, which keys failed to be marked completed, how many
 * attempts met `STORE_UNAVAILABLE`, and any other error.
 *
 * @example
 * const outcome = await simulateDeliveries(store, 150, async () => { await proxy.stop(); await proxy.start(); });
 */
export async function simulateDeliveries(
  store: IdempotencyStore,
  count: number,
  disrupt: () => Promise<void>,
): Promise<{ handled: Map<string, number>; completeFailed: Set<string>; unavailable: number; unexpected: unknown[] }> {
  const handled = new Map<string, number>();
  const completeFailed = new Set<string>();
  const unexpected: unknown[] = [];
  let unavailable = 0;
  let acknowledged = 0;
  let disruption: Promise<void> | undefined;
  const prefix = `sim_${Date.now()}_${Math.random().toString(36).slice(2)}_`;
  const queue = Array.from({ length: count }, (_, i) => `${prefix}${i}`);

  const deliver = async (key: string): Promise<boolean> => {
    try {
      const claim = await store.claim(key, { bodyHash: "sim" });
      if (claim.status === "completed") return true;
      if (claim.status !== "claimed") return false;
      handled.set(key, (handled.get(key) ?? 0) + 1);
      try {
        if (await store.complete(key, claim.token)) return true;
      } catch (err) {
        completeFailed.add(key);
        throw err;
      }
      return false;
    } catch (err) {
      if (isWebhookError(err) && err.code === "STORE_UNAVAILABLE") unavailable++;
      else unexpected.push(err);
      return false;
    }
  };

  const worker = async () => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      while (!(await deliver(key))) await new Promise((resolve) => setTimeout(resolve, 40));
      acknowledged++;
      if (disruption === undefined && acknowledged >= count / 3) disruption = disrupt();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  await disruption;
  return { handled, completeFailed, unavailable, unexpected };
}

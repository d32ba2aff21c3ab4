import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/util/logger.js";
import { createMemoryStore } from "../../../src/idempotency/memory.js";
import type { ClaimResult } from "../../../src/idempotency/store.js";

// The rule, checked against an independent model over random histories: when full,
// evict the least recently written record that is not under a live lease (which, with
// one TTL for all, is an expired one whenever there is one).

const HASH = "f".repeat(64);
const LEASE = 1_000;
const TTL = 10_000;

/** The rule, written the obvious way: a fresh walk in write order on every eviction. */
function referenceStore(maxEntries: number, now: () => number) {
  type Rec = { status: "in-progress" | "completed"; token: string; leaseExpiresAt: number; expiresAt: number };
  const records = new Map<string, Rec>();
  let tokens = 0;
  const live = (key: string, at: number) => {
    const r = records.get(key);
    if (r && r.expiresAt <= at) {
      records.delete(key);
      return undefined;
    }
    return r;
  };
  const write = (key: string, r: Rec) => {
    records.delete(key);
    records.set(key, r);
  };
  return {
    get size() {
      return records.size;
    },
    keys: () => [...records.keys()],
    claim(key: string): ClaimResult | "full" {
      const at = now();
      const existing = live(key, at);
      if (existing) {
        if (existing.status === "completed") return { status: "completed" };
        if (existing.leaseExpiresAt > at) return { status: "in-progress", retryAfterMs: existing.leaseExpiresAt - at };
      } else if (records.size >= maxEntries) {
        const victim = [...records].find(([, r]) => r.status === "completed" || r.leaseExpiresAt <= at || r.expiresAt <= at);
        if (!victim) return "full";
        records.delete(victim[0]);
      }
      const token = String(++tokens);
      write(key, { status: "in-progress", token, leaseExpiresAt: at + LEASE, expiresAt: at + TTL });
      return { status: "claimed", token, leaseExpiresAt: at + LEASE };
    },
    complete(key: string, token: string): boolean {
      const at = now();
      const r = live(key, at);
      if (!r || r.token !== token) return false;
      write(key, { ...r, status: "completed", expiresAt: at + TTL });
      return true;
    },
    release(key: string, token: string): boolean {
      const r = live(key, now());
      if (!r || r.token !== token || r.status !== "in-progress") return false;
      records.delete(key);
      return true;
    },
  };
}

type Op =
  | { kind: "claim"; key: number }
  | { kind: "complete"; key: number }
  | { kind: "release"; key: number }
  | { kind: "advance"; ms: number }
  /**
   * Claims every key the reference holds: neither store evicts for a key it holds, so
   * a key the other store dropped shows as a different answer.
   */
  | { kind: "probe" };

const KEYS = 10;
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("claim" as const), key: fc.nat(KEYS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("complete" as const), key: fc.nat(KEYS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("release" as const), key: fc.nat(KEYS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 3_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "probe" as const }) },
);

describe("createMemoryStore: eviction order", () => {
  it("evicts exactly what a fresh walk in write order would, over random histories", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 400 }), async (maxEntries, ops) => {
        let t = 1_000_000;
        const now = () => t;
        const store = createMemoryStore({ ttlMs: TTL, leaseMs: LEASE, maxEntries, now, logger: silentLogger });
        const reference = referenceStore(maxEntries, now);
        // Each side's current token per key, so complete/release act as the owner.
        const ours = new Map<number, string>();
        const theirs = new Map<number, string>();
        const claimBoth = async (key: string) => {
          const n = Number(key.slice(1));
          const expected = reference.claim(key);
          const actual = await store.claim(key, { bodyHash: HASH }).catch((error: { code?: string }) => {
            expect(error.code).toBe("STORE_UNAVAILABLE");
            return "full" as const;
          });
          expect([key, actual === "full" ? "full" : actual.status]).toEqual([key, expected === "full" ? "full" : expected.status]);
          if (actual !== "full" && actual.status === "claimed") ours.set(n, actual.token);
          if (expected !== "full" && expected.status === "claimed") theirs.set(n, expected.token);
        };
        for (const step of ops) {
          if (step.kind === "advance") {
            t += step.ms;
            continue;
          }
          if (step.kind === "probe") {
            for (const key of reference.keys()) await claimBoth(key);
            continue;
          }
          const key = `k${step.key}`;
          if (step.kind === "claim") {
            await claimBoth(key);
          } else if (step.kind === "complete") {
            const expected = reference.complete(key, theirs.get(step.key) ?? "none");
            expect(await store.complete(key, ours.get(step.key) ?? "none")).toBe(expected);
          } else {
            const expected = reference.release(key, theirs.get(step.key) ?? "none");
            expect(await store.release(key, ours.get(step.key) ?? "none")).toBe(expected);
          }
          expect(store.size).toBe(reference.size);
        }
      }),
      {
        numRuns: 500,
        examples: [
          // A lease passed over while live lapses; a newer completed record must outlive it.
          [
            3,
            [
              { kind: "claim", key: 0 },
              ...[1, 2, 3].flatMap((key): Op[] => [
                { kind: "claim", key },
                { kind: "complete", key },
              ]),
              { kind: "advance", ms: LEASE },
              { kind: "claim", key: 4 },
              { kind: "probe" },
            ],
          ],
        ],
      },
    );
  });

  it("evicts a passed-over lease once it lapses, before newer completed records", async () => {
    let t = 1_000_000;
    const store = createMemoryStore({ ttlMs: TTL, leaseMs: LEASE, maxEntries: 3, now: () => t, logger: silentLogger });
    const done = async (key: string) => {
      const claim = await store.claim(key, { bodyHash: HASH });
      if (claim.status !== "claimed") throw new Error(claim.status);
      await store.complete(key, claim.token);
    };
    await store.claim("crashed", { bodyHash: HASH }); // never completed
    await done("a");
    await done("b");
    await done("c"); // evicts "a", passing over the live "crashed" lease
    t += LEASE; // "crashed" lapses: it is now the oldest evictable record
    await done("d");
    expect(await store.claim("b", { bodyHash: HASH })).toEqual({ status: "completed" });
    expect(await store.claim("c", { bodyHash: HASH })).toEqual({ status: "completed" });
    expect((await store.claim("crashed", { bodyHash: HASH })).status).toBe("claimed");
  });

  it("a passed-over lease that completes counts from its completion", async () => {
    let t = 1_000_000;
    const store = createMemoryStore({ ttlMs: TTL, leaseMs: LEASE, maxEntries: 3, now: () => t, logger: silentLogger });
    const slow = await store.claim("slow", { bodyHash: HASH });
    if (slow.status !== "claimed") throw new Error(slow.status);
    for (const key of ["a", "b", "c"]) {
      const claim = await store.claim(key, { bodyHash: HASH });
      if (claim.status === "claimed") await store.complete(key, claim.token);
    }
    await store.complete("slow", slow.token); // the newest write now
    t += 1;
    await store.claim("d", { bodyHash: HASH }); // evicts "b", the oldest completed
    expect(await store.claim("slow", { bodyHash: HASH })).toEqual({ status: "completed" });
    expect(await store.claim("c", { bodyHash: HASH })).toEqual({ status: "completed" });
  });
});

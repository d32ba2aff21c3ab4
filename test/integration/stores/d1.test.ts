import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookError } from "../../../src/errors/index.js";
import { createD1Store, type D1DatabaseLike } from "../../../src/idempotency/d1.js";
import type {
  ClaimOptions,
  ClaimResult,
  EntityClaimResult,
  EntityPosition,
  IdempotencyStore,
  ParkedDelivery,
} from "../../../src/idempotency/store.js";
import { describeStoreContract, type StoreFactoryOptions } from "../../contract/store-contract.js";
import { bundleWorker } from "./d1/bundle.js";

// The D1 store inside workerd (miniflare 4, the version wrangler 4.86.0 runs): its D1 is
// real SQLite, so claims, the database clock and table creation are the real thing.

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const HASH = "1".repeat(64);

let mf: Miniflare;
beforeAll(async () => {
  mf = new Miniflare({
    modules: true,
    script: await bundleWorker("test/integration/stores/d1/contract-worker.ts"),
    compatibilityDate: "2025-09-01",
    d1Databases: ["DB"],
  });
  await mf.ready;
}, 60_000);
afterAll(async () => {
  await mf?.dispose();
});

async function call(store: string, op: string, args: unknown[], options?: StoreFactoryOptions & { table?: string }) {
  const { logger: _logger, ...rest } = options ?? {};
  const response = await mf.dispatchFetch("http://worker/", {
    method: "POST",
    body: JSON.stringify({ store, op, args, options: rest }),
  });
  const reply = (await response.json()) as { value?: unknown; error?: { code?: string; message?: string; name?: string } };
  if (reply.error !== undefined) {
    if (reply.error.code !== undefined) throw new WebhookError(reply.error.code as "STORE_UNAVAILABLE", reply.error.message ?? "");
    throw new Error(`${reply.error.name}: ${reply.error.message}`);
  }
  return reply.value;
}

let stores = 0;
/** A store living in the Worker, driven from here one request per operation. */
function remoteStore(id: string, options: StoreFactoryOptions & { table?: string }): IdempotencyStore {
  // Settings are validated here by the same code the Worker runs (it throws at creation, before any I/O).
  const { settings } = createD1Store({ database: () => ({}) as D1DatabaseLike, ...options });
  return {
    settings,
    claim: (key: string, o: ClaimOptions) => call(id, "claim", [key, o], options) as Promise<ClaimResult>,
    complete: (key: string, token: string) => call(id, "complete", [key, token], options) as Promise<boolean>,
    release: (key: string, token: string) => call(id, "release", [key, token], options) as Promise<boolean>,
    renew: (key: string, token: string) => call(id, "renew", [key, token], options) as Promise<boolean>,
    claimEntity: (key: string, position: EntityPosition) =>
      // JSON drops an undefined order; the Worker reads the missing property as undefined again.
      call(id, "claimEntity", [key, position], options) as Promise<EntityClaimResult>,
    renewEntity: (key: string, token: string) => call(id, "renewEntity", [key, token], options) as Promise<boolean>,
    releaseEntity: (key: string, token: string, applied?: EntityPosition) =>
      call(id, "releaseEntity", applied === undefined ? [key, token] : [key, token, applied], options) as Promise<boolean>,
    park: async (delivery: ParkedDelivery) => void (await call(id, "park", [delivery], options)),
    listParked: (o?: { limit?: number }) => call(id, "listParked", o === undefined ? [] : [o], options) as Promise<ParkedDelivery[]>,
    unpark: (key: string) => call(id, "unpark", [key], options) as Promise<boolean>,
  };
}

describe("createD1Store in workerd (miniflare)", () => {
  // Each harness gets its own table (created by its first claim); the peer is a second
  // store instance in the Worker on the same table.
  const factory = (options: StoreFactoryOptions) => {
    const n = stores++;
    const table = `contract_${n}`;
    return {
      store: remoteStore(`s${n}`, { ...options, table }),
      peers: [remoteStore(`p${n}`, { ...options, table })],
      reopen: () => remoteStore(`r${n}`, { ...options, table }),
    };
  };
  describeStoreContract("d1 (workerd)", factory, { clock: "real", now: Date.now, advance: sleep, leaseMs: 400, ttlMs: 1500 });

  it("dedupes across requests with a store made at module scope from `env` (cloudflare:workers)", async () => {
    const key = `evt_module_${Date.now()}`;
    const claim = (await call("module-scope", "claim", [key, { bodyHash: HASH }])) as ClaimResult;
    if (claim.status !== "claimed") throw new Error(claim.status);
    expect(await call("module-scope", "claim", [key, { bodyHash: HASH }])).toMatchObject({ status: "in-progress" });
    expect(await call("module-scope", "complete", [key, claim.token])).toBe(true);
    expect(await call("module-scope", "claim", [key, { bodyHash: HASH }])).toEqual({ status: "completed" });
  });

  it("creates its table through migrate(), repeatedly and safely, and purges expired records", async () => {
    const options = { table: `migrated_${Date.now()}`, ttlMs: 600, leaseMs: 200 };
    expect(await call("m1", "migrate", [], options)).toBeNull();
    expect(await call("m2", "migrate", [], options)).toBeNull();
    const claim = (await call("m1", "claim", ["evt_old", { bodyHash: HASH }], options)) as ClaimResult;
    if (claim.status !== "claimed") throw new Error(claim.status);
    await call("m1", "complete", ["evt_old", claim.token], options);
    await sleep(700);
    await call("m1", "claim", ["evt_new", { bodyHash: HASH }], options);
    expect(await call("m1", "purgeExpired", [{ limit: 5 }], options)).toBe(1);
    expect(await call("m1", "purgeExpired", [], options)).toBe(0);
  });

  it("adds the ordering and parking tables to a database made by 0.1.0 on their first use", async () => {
    const table = `v010_${Date.now()}`;
    const db = await mf.getD1Database("DB");
    await db
      .prepare(
        `CREATE TABLE "${table}" (key TEXT PRIMARY KEY NOT NULL, status TEXT NOT NULL, owner_token TEXT NOT NULL,
  body_hash TEXT NOT NULL, claimed_at INTEGER NOT NULL, lease_expires_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  completed_at INTEGER)`,
      )
      .run();
    const options = { table, ttlMs: 60_000, leaseMs: 1_000 };
    const claim = (await call("v010", "claim", ["evt_old", { bodyHash: HASH }], options)) as ClaimResult;
    expect(claim.status).toBe("claimed");
    expect(await call("v010", "claimEntity", ["entity", { order: 1, eventId: "evt" }], options)).toMatchObject({ status: "claimed" });
    await call("v010", "park", [{ key: "k", provider: "agentref", eventId: "evt", type: "t", body: "{}", parkedAt: 1, reason: "r" }], options);
    expect(await call("v010", "unpark", ["k"], options)).toBe(true);
    const { results } = await db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ORDER BY name`).bind(`${table}%`).all();
    expect(results.map((r: Record<string, unknown>) => r["name"])).toEqual([table, `${table}_entities`, `${table}_parked`]);
  });

  it("answers STORE_UNAVAILABLE when the binding is missing, naming the fix", async () => {
    const store = createD1Store({ database: () => undefined as unknown as D1DatabaseLike });
    await expect(store.claim("evt", { bodyHash: HASH })).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: expect.stringMatching(/wrangler\.toml/),
    });
    expect(() => createD1Store({ database: 42 as unknown as D1DatabaseLike })).toThrow(/D1 binding/);
  });
});

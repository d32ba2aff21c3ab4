import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/util/logger.js";
import { createSqliteStore, type SqliteDriverName } from "../../../src/idempotency/sqlite.js";
import { describeStoreContract, type StoreFactoryOptions } from "../../contract/store-contract.js";

const HASH = "5".repeat(64);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const dir = mkdtempSync(join(tmpdir(), "agentref-sqlite-"));
let files = 0;
const newFile = () => join(dir, `store-${files++}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const available = async (specifier: string) => import(/* @vite-ignore */ specifier).then(() => true, () => false);

/** Opens a file directly, with whichever library this Node has, to look at what the store wrote. */
async function inspect(path: string): Promise<{ get(sql: string, ...values: unknown[]): unknown; exec(sql: string): void; close(): void }> {
  if (betterSqlite3Works) {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(path);
    return { get: (sql, ...values) => db.prepare(sql).get(...values), exec: (sql) => void db.exec(sql), close: () => db.close() };
  }
  const builtIn = "node:sqlite"; // not in @types/node 20
  const { DatabaseSync } = (await import(/* @vite-ignore */ builtIn)) as {
    DatabaseSync: new (path: string) => { prepare(sql: string): { get(...v: unknown[]): unknown }; exec(sql: string): void; close(): void };
  };
  const db = new DatabaseSync(path);
  return { get: (sql, ...values) => ({ ...(db.prepare(sql).get(...values) as object) }), exec: (sql) => db.exec(sql), close: () => db.close() };
}
// A native module built for another Node version imports but cannot open a database.
const betterSqlite3Works = await (async () => {
  try {
    const { default: Database } = await import("better-sqlite3");
    new Database(":memory:").close();
    return true;
  } catch {
    return false;
  }
})();
const bun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const drivers: [SqliteDriverName, boolean][] = [
  ["better-sqlite3", betterSqlite3Works],
  // Built into Node 22.13+ (22.5+ behind --experimental-sqlite); absent on Node 20.
  ["node:sqlite", await available("node:sqlite")],
  // Only under Bun (this file also runs there: `bun --bun node_modules/vitest/vitest.mjs run <file>`).
  ["bun:sqlite", bun && (await available("bun:sqlite"))],
];
for (const [driver, ok] of drivers) {
  const runtime = bun ? `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}` : `Node ${process.versions.node}`;
  if (!ok) console.warn(`[skip] the SQLite contract on ${driver}: ${driver} does not work on ${runtime}`);
}

for (const [driver, ok] of drivers) {
  describe.skipIf(!ok)(`createSqliteStore with ${driver}`, () => {
    // A fresh file per store; the peer is a second connection to the same file.
    const factory = (options: StoreFactoryOptions) => {
      const path = newFile();
      const store = createSqliteStore({ path, driver, ...options });
      const peer = createSqliteStore({ path, driver, ...options });
      const reopened: ReturnType<typeof createSqliteStore>[] = [];
      return {
        store,
        peers: [peer],
        cleanup: async () => void (await Promise.all([store, peer, ...reopened].map((s) => s.close()))),
        // A restart: the store closes its file and a new one opens it.
        reopen: async () => {
          await store.close();
          const again = createSqliteStore({ path, driver, ...options });
          reopened.push(again);
          return again;
        },
      };
    };
    describeStoreContract(`sqlite via ${driver}`, factory, {
      clock: "real",
      now: Date.now,
      advance: sleep,
      leaseMs: 400,
      ttlMs: 1500,
    });

    it("does nothing at creation: the file appears on the first delivery, in WAL mode, with its table", async () => {
      const path = join(dir, `lazy-${files++}`, "webhooks.db");
      // The directory does not exist: creation must not touch the disk, so it cannot fail.
      const store = createSqliteStore({ path, driver, logger: silentLogger });
      expect(store.driver).toBeUndefined();
      await expect(store.claim("evt_1", { bodyHash: HASH })).rejects.toMatchObject({
        code: "STORE_UNAVAILABLE",
        message: expect.stringMatching(/directory of `path` exists/),
      });
      const good = createSqliteStore({ path: newFile(), driver, logger: silentLogger });
      const goodPath = good.path;
      expect(existsSync(goodPath)).toBe(false);
      expect((await good.claim("evt_1", { bodyHash: HASH })).status).toBe("claimed");
      expect(good.driver).toBe(driver);
      const db = await inspect(goodPath);
      expect(db.get("PRAGMA journal_mode")).toEqual({ journal_mode: "wal" });
      expect(db.get("SELECT status FROM agentref_webhook_idempotency WHERE key = ?", "evt_1")).toEqual({
        status: "in-progress",
      });
      db.close();
      await good.close();
    });

    it("opens a file made by 0.1.0: its records stay, and the ordering and parking tables are added", async () => {
      const path = newFile();
      const db = await inspect(path);
      db.exec(`CREATE TABLE agentref_webhook_idempotency (
  key TEXT PRIMARY KEY NOT NULL, status TEXT NOT NULL CHECK (status IN ('in-progress', 'completed')),
  owner_token TEXT NOT NULL, body_hash TEXT NOT NULL, claimed_at INTEGER NOT NULL,
  lease_expires_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, completed_at INTEGER)`);
      const future = Date.now() + 3_600_000;
      db.exec(`INSERT INTO agentref_webhook_idempotency VALUES ('evt_old', 'completed', 't', '${HASH}', 0, 0, ${future}, 0)`);
      db.close();
      const store = createSqliteStore({ path, driver, logger: silentLogger });
      expect(await store.claim("evt_old", { bodyHash: HASH })).toEqual({ status: "completed" });
      expect((await store.claimEntity("entity", { order: 1, eventId: "evt" })).status).toBe("claimed");
      await store.park({ key: "k", provider: "agentref", eventId: "evt", type: "t", body: "{}", parkedAt: 1, reason: "r" });
      expect((await store.listParked()).map((d) => d.key)).toEqual(["k"]);
      await store.close();
      const after = await inspect(path);
      expect(after.get("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")).toEqual({ n: 3 });
      after.close();
    });

    it("keeps completions across a close and a reopen (a restart), and purges only expired records", async () => {
      const path = newFile();
      const first = createSqliteStore({ path, driver, ttlMs: 1000, leaseMs: 200 });
      const claim = await first.claim("evt_kept", { bodyHash: HASH });
      if (claim.status !== "claimed") throw new Error(claim.status);
      expect(await first.complete("evt_kept", claim.token)).toBe(true);
      await first.close();
      const second = createSqliteStore({ path, driver, ttlMs: 1000, leaseMs: 200 });
      expect(await second.claim("evt_kept", { bodyHash: HASH })).toEqual({ status: "completed" });
      expect(await second.purgeExpired()).toBe(0);
      await sleep(1100);
      await second.claim("evt_live", { bodyHash: HASH });
      expect(await second.purgeExpired({ limit: 10 })).toBe(1);
      expect((await second.claim("evt_live", { bodyHash: HASH })).status).toBe("in-progress");
      expect((await second.claim("evt_kept", { bodyHash: HASH })).status).toBe("claimed");
      await second.close();
    });

    it("answers STORE_UNAVAILABLE when another process holds the write lock past timeoutMs, and recovers", async () => {
      const path = newFile();
      const store = createSqliteStore({ path, driver, timeoutMs: 200 });
      await store.migrate();
      const other = await inspect(path);
      other.exec("BEGIN IMMEDIATE");
      const started = Date.now();
      await expect(store.claim("evt_locked", { bodyHash: HASH })).rejects.toMatchObject({
        code: "STORE_UNAVAILABLE",
        message: expect.stringMatching(/write lock/),
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      other.exec("COMMIT");
      other.close();
      expect((await store.claim("evt_locked", { bodyHash: HASH })).status).toBe("claimed");
      await store.close();
    });

    it("uses its own table name, and rejects one that is not an identifier", async () => {
      const path = newFile();
      const store = createSqliteStore({ path, driver, table: "shop_webhooks" });
      await store.claim("evt_t", { bodyHash: HASH });
      const db = await inspect(path);
      expect(db.get("SELECT count(*) AS n FROM shop_webhooks")).toEqual({ n: 1 });
      db.close();
      await store.close();
      expect(() => createSqliteStore({ path, table: 'x"; DROP TABLE y; --' })).toThrow(/identifier/);
      expect(() => createSqliteStore({ path: "" })).toThrow(/path/);
    });
  });
}

describe("createSqliteStore: driver selection", () => {
  const missing = drivers.find(([, ok]) => !ok)?.[0];
  it.skipIf(missing === undefined)("says which library to install when the chosen one is missing", async () => {
    const store = createSqliteStore({ path: newFile(), driver: missing! });
    await expect(store.claim("evt_1", { bodyHash: HASH })).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: expect.stringMatching(/npm install better-sqlite3@12/),
    });
  });

  it("picks a library that this runtime has when none is named", async () => {
    const store = createSqliteStore({ path: newFile() });
    expect((await store.claim("evt_1", { bodyHash: HASH })).status).toBe("claimed");
    const works = (name: SqliteDriverName) => drivers.some(([n, ok]) => ok && n === name);
    const expected = bun ? "bun:sqlite" : works("node:sqlite") ? "node:sqlite" : "better-sqlite3";
    expect(store.driver).toBe(expected);
    await store.close();
  });
});

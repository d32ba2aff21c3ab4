import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/util/logger.js";
import { isWebhookError } from "../../../src/errors/index.js";
import {
  createPostgresStore,
  DEFAULT_POSTGRES_TABLE,
  postgresSchemaSql,
  type PgQueryable,
  type PostgresStore,
} from "../../../src/idempotency/postgres.js";
import {
  describeStoreContract,
  simulateDeliveries,
  type StoreFactoryOptions,
} from "../../contract/store-contract.js";
import { databaseUrl, startTcpProxy } from "../../helpers/services.js";

const url = databaseUrl();
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const run = `${process.pid}_${Date.now().toString(36)}`;
const HASH = "d".repeat(64);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe.skipIf(url === undefined)("createPostgresStore on a real PostgreSQL", () => {
  let pool: pg.Pool;
  let peerPool: pg.Pool;
  const tables = new Set<string>();
  const tableFor = (label: string) => {
    const name = `agentref_test_${label}_${run}`;
    tables.add(name);
    return name;
  };
  const table = tableFor("contract");

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url!, max: 8 });
    peerPool = new pg.Pool({ connectionString: url!, max: 8 });
    await createPostgresStore({ pool, table, logger: silentLogger }).migrate();
    await pool.query(`CREATE TABLE IF NOT EXISTS "side_effects_${run}" (event_id text NOT NULL, note text)`);
  });

  afterAll(async () => {
    for (const name of tables) {
      for (const suffix of ["", "_entities", "_parked"]) await pool.query(`DROP TABLE IF EXISTS "${name}${suffix}"`);
    }
    await pool.query(`DROP TABLE IF EXISTS "side_effects_${run}"`);
    await Promise.all([pool.end(), peerPool.end()]);
  });

  const factory = (options: StoreFactoryOptions) => ({
    store: createPostgresStore({ pool, table, ...options }),
    peers: [createPostgresStore({ pool: peerPool, table, ...options })],
    reopen: () => createPostgresStore({ pool: peerPool, table, ...options }),
  });
  describeStoreContract("postgres", factory, {
    clock: "real",
    now: Date.now,
    advance: sleep,
    leaseMs: 400,
    ttlMs: 1500,
  });

  const rowOf = async (name: string, key: string) =>
    (
      await pool.query(
        `SELECT status, owner_token, body_hash,
                extract(epoch from (lease_expires_at - claimed_at)) * 1000 AS lease_ms,
                extract(epoch from (expires_at - claimed_at)) * 1000 AS ttl_ms
         FROM "${name}" WHERE key = $1`,
        [key],
      )
    ).rows[0] as { status: string; owner_token: string; body_hash: string; lease_ms: string; ttl_ms: string } | undefined;

  describe("records and round trips", () => {
    it("stores status, owner token, body hash, and lease and expiry in milliseconds on the database clock", async () => {
      const store = createPostgresStore({ pool, table, ttlMs: 1500, leaseMs: 500, logger: silentLogger });
      const key = `record_${Math.random()}`;
      const result = await store.claim(key, { bodyHash: HASH });
      if (result.status !== "claimed") throw new Error(result.status);
      const row = await rowOf(table, key);
      expect(row).toMatchObject({ status: "in-progress", owner_token: result.token, body_hash: HASH });
      expect(Number(row!.lease_ms)).toBe(500);
      expect(Number(row!.ttl_ms)).toBe(1500);
      const { rows } = await pool.query("SELECT floor(extract(epoch from clock_timestamp()) * 1000)::float8 AS now");
      expect(Math.abs(result.leaseExpiresAt - 500 - Number(rows[0].now))).toBeLessThan(2000);
    });

    it("costs one statement per claim (new or duplicate) and per complete", async () => {
      let statements = 0;
      const counted: PgQueryable = {
        query: (text, values) => {
          statements++;
          return pool.query(text, values);
        },
      };
      const store = createPostgresStore({ pool: counted, table, logger: silentLogger });
      const key = `rt_${Math.random()}`;
      const claim = await store.claim(key, { bodyHash: HASH });
      expect(statements).toBe(1);
      if (claim.status !== "claimed") throw new Error(claim.status);
      expect(await store.complete(key, claim.token)).toBe(true);
      expect(statements).toBe(2);
      expect(await store.claim(key, { bodyHash: HASH })).toEqual({ status: "completed" });
      expect(statements).toBe(3);
      expect(await store.claim(key, { bodyHash: "other" })).toEqual({ status: "conflict" });
      expect(statements).toBe(4);
    });
  });

  describe("table management", () => {
    it("migrates idempotently, also when several instances start at once", async () => {
      const name = tableFor("migrate");
      const store = createPostgresStore({ pool, table: name, logger: silentLogger });
      await store.migrate();
      await store.migrate();
      await Promise.all([
        store.ensureTable(),
        createPostgresStore({ pool: peerPool, table: name, logger: silentLogger }).migrate(),
        store.migrate(),
      ]);
      const { rows } = await pool.query("SELECT indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname", [name]);
      expect(rows.map((r) => r.indexdef as string).join("\n")).toMatch(/\(expires_at\)/);
      expect((await store.claim("after-migrate", { bodyHash: HASH })).status).toBe("claimed");
    });

    it("exports the schema SQL, which alone is enough to run the store", async () => {
      const name = tableFor("manual");
      const sql = postgresSchemaSql(name);
      expect(sql).toContain(`CREATE TABLE IF NOT EXISTS "${name}"`);
      expect(sql).toContain("PRIMARY KEY");
      expect(postgresSchemaSql()).toContain(`"${DEFAULT_POSTGRES_TABLE}"`);
      await pool.query(sql);
      const store = createPostgresStore({ pool, table: name, logger: silentLogger });
      const claim = await store.claim("manual", { bodyHash: HASH });
      if (claim.status !== "claimed") throw new Error(claim.status);
      expect(await store.complete("manual", claim.token)).toBe(true);
    });

    it("accepts schema-qualified names and keeps their case", async () => {
      const name = `public.AgentRef_Mixed_${run}`;
      tables.add(`AgentRef_Mixed_${run}`);
      const store = createPostgresStore({ pool, table: name, logger: silentLogger });
      expect(store.table).toBe(`"public"."AgentRef_Mixed_${run}"`);
      await store.migrate();
      expect((await store.claim("mixed", { bodyHash: HASH })).status).toBe("claimed");
    });

    it.each([
      `x"; DROP TABLE "side_effects_${run}"; --`,
      "robert'); DROP TABLE students;--",
      "1starts_with_digit",
      "a.b.c",
      "has-dash",
      "",
      "x".repeat(64),
      '"quoted"',
    ])("rejects the table name %j before any SQL runs", (name) => {
      expect(() => createPostgresStore({ pool, table: name, logger: silentLogger })).toThrow(TypeError);
      expect(() => postgresSchemaSql(name)).toThrow(TypeError);
    });

    it("answers STORE_UNAVAILABLE naming migrate() when the table is missing", async () => {
      const store = createPostgresStore({ pool, table: `missing_${run}`, logger: silentLogger });
      const error = await store.claim("x", { bodyHash: HASH }).catch((err: unknown) => err);
      expect(isWebhookError(error) && error.code).toBe("STORE_UNAVAILABLE");
      expect((error as Error).message).toMatch(/migrate\(\)/);
    });

    // The table 0.1.0 created (migrate() or postgresSchemaSql() of that version).
    const v010Schema = (name: string) => `CREATE TABLE "${name}" (
  key text PRIMARY KEY, status text NOT NULL CHECK (status IN ('in-progress', 'completed')),
  owner_token text NOT NULL, body_hash text NOT NULL, claimed_at timestamptz NOT NULL,
  lease_expires_at timestamptz NOT NULL, expires_at timestamptz NOT NULL, completed_at timestamptz)`;

    it("keeps a 0.1.0 schema working; ordering and parking name migrate() until it adds their tables", async () => {
      const name = tableFor("v010");
      await pool.query(v010Schema(name));
      const store = createPostgresStore({ pool, table: name, logger: silentLogger });
      const claim = await store.claim("old", { bodyHash: HASH });
      if (claim.status !== "claimed") throw new Error(claim.status);
      expect(await store.complete("old", claim.token)).toBe(true);
      expect(await store.purgeExpired()).toBe(0);
      expect(await store.purgeExpired({ limit: 10 })).toBe(0);
      for (const [operation, table] of [
        [() => store.claimEntity("entity", { order: 1, eventId: "evt" }), `${name}_entities`],
        [() => store.releaseEntity("entity", "token", { order: 1, eventId: "evt" }), `${name}_entities`],
        [() => store.park({ key: "k", provider: "agentref", eventId: "evt", type: "t", body: "{}", parkedAt: 1, reason: "r" }), `${name}_parked`],
        [() => store.listParked(), `${name}_parked`],
      ] as const) {
        const error = await operation().catch((err: unknown) => err);
        expect(isWebhookError(error) && error.code).toBe("STORE_UNAVAILABLE");
        expect((error as Error).message).toContain(`The table ${table} does not exist`);
        expect((error as Error).message).toMatch(/migrate\(\)/);
      }
      await store.migrate();
      expect(await store.claim("old", { bodyHash: HASH })).toEqual({ status: "completed" });
      expect((await store.claimEntity("entity", { order: 1, eventId: "evt" })).status).toBe("claimed");
      await store.park({ key: "k", provider: "agentref", eventId: "evt", type: "t", body: "{}", parkedAt: 1, reason: "r" });
      expect(await store.unpark("k")).toBe(true);
      expect(postgresSchemaSql(name)).toContain(`CREATE TABLE IF NOT EXISTS "${name}_entities"`);
      expect(postgresSchemaSql(name)).toContain(`CREATE TABLE IF NOT EXISTS "${name}_parked"`);
    });

    it("keeps the suffixes of a 63-character table name (the three tables stay apart)", async () => {
      const name = `t${run}_`.padEnd(63, "x");
      const store = createPostgresStore({ pool, table: name, logger: silentLogger });
      try {
        await store.migrate();
        const { rows } = await pool.query("SELECT tablename FROM pg_tables WHERE tablename LIKE $1 ORDER BY tablename", [
          `t${run}_%`,
        ]);
        expect(rows.map((r) => r.tablename as string)).toEqual(
          [name, `${name.slice(0, 63 - 9)}_entities`, `${name.slice(0, 63 - 7)}_parked`].sort(),
        );
        expect((await store.claimEntity("e", { order: 1, eventId: "evt" })).status).toBe("claimed");
      } finally {
        for (const row of (await pool.query("SELECT tablename FROM pg_tables WHERE tablename LIKE $1", [`t${run}_%`])).rows) {
          await pool.query(`DROP TABLE IF EXISTS "${row.tablename as string}"`);
        }
      }
    });

    it("costs one statement per claimEntity (any answer) and per releaseEntity", async () => {
      let statements = 0;
      const counted: PgQueryable = {
        query: (text, values) => {
          statements++;
          return pool.query(text, values);
        },
      };
      const store = createPostgresStore({ pool: counted, table, logger: silentLogger });
      const entity = `rt_entity_${Math.random()}`;
      const claim = await store.claimEntity(entity, { order: 10, eventId: "evt_a" });
      if (claim.status !== "claimed") throw new Error(claim.status);
      expect((await store.claimEntity(entity, { order: 11, eventId: "evt_b" })).status).toBe("in-progress");
      expect(await store.releaseEntity(entity, claim.token, { order: 10, eventId: "evt_a" })).toBe(true);
      expect(await store.claimEntity(entity, { order: 10, eventId: "evt_a" })).toEqual({ status: "stale" });
      expect(statements).toBe(4);
    });

    it("purges expired entity records with the event records, never parked deliveries", async () => {
      const name = tableFor("purge_entities");
      const store = createPostgresStore({ pool, table: name, ttlMs: 1000, leaseMs: 300, logger: silentLogger });
      await store.migrate();
      for (const entity of ["e1", "e2", "e3"]) {
        const claim = await store.claimEntity(entity, { order: 1, eventId: "evt" });
        if (claim.status === "claimed") await store.releaseEntity(entity, claim.token, { order: 1, eventId: "evt" });
      }
      await store.park({ key: "parked", provider: "agentref", eventId: "evt", type: "t", body: "{}", parkedAt: 1, reason: "r" });
      await sleep(1100);
      await store.claimEntity("fresh", { order: 1, eventId: "evt" });
      expect(await store.purgeExpired({ limit: 2 })).toBe(2);
      expect(await store.purgeExpired()).toBe(1);
      const { rows } = await pool.query(`SELECT key FROM "${name}_entities"`);
      expect(rows.map((r) => r.key)).toEqual(["fresh"]);
      expect((await store.listParked()).map((d) => d.key)).toEqual(["parked"]);
    });

    it("purges expired records only, and returns how many", async () => {
      const name = tableFor("purge");
      const store = createPostgresStore({ pool, table: name, ttlMs: 1200, leaseMs: 300, logger: silentLogger });
      await store.migrate();
      const done = async (key: string) => {
        const claim = await store.claim(key, { bodyHash: HASH });
        if (claim.status === "claimed") await store.complete(key, claim.token);
      };
      for (const key of ["a", "b", "c", "d"]) await done(key);
      await sleep(1300);
      await done("fresh");
      await store.claim("fresh-in-progress", { bodyHash: HASH });
      expect(await store.purgeExpired({ limit: 3 })).toBe(3);
      expect(await store.purgeExpired()).toBe(1);
      expect(await store.purgeExpired()).toBe(0);
      const { rows } = await pool.query(`SELECT key FROM "${name}" ORDER BY key`);
      expect(rows.map((r) => r.key)).toEqual(["fresh", "fresh-in-progress"]);
      expect(await store.claim("fresh", { bodyHash: HASH })).toEqual({ status: "completed" });
    });
  });

  describe("withTransaction: the record commits with the side effect", () => {
    const sideTable = `"side_effects_${run}"`;
    const effects = async (eventId: string) =>
      Number((await pool.query(`SELECT count(*)::int AS n FROM ${sideTable} WHERE event_id = $1`, [eventId])).rows[0].n);
    const store = () => createPostgresStore({ pool, table, logger: silentLogger });

    it("commit: runs once, the effect is visible, and the event is completed", async () => {
      const s = store();
      const id = `tx_commit_${Math.random()}`;
      const result = await s.withTransaction(id, { bodyHash: HASH }, async (tx) => {
        await tx.query(`INSERT INTO ${sideTable} (event_id) VALUES ($1)`, [id]);
        return "done";
      });
      expect(result).toEqual({ status: "processed", value: "done" });
      expect(await effects(id)).toBe(1);
      expect(await s.claim(id, { bodyHash: HASH })).toEqual({ status: "completed" });
      let ranAgain = false;
      expect(
        await s.withTransaction(id, { bodyHash: HASH }, async () => {
          ranAgain = true;
        }),
      ).toEqual({ status: "completed" });
      expect(ranAgain).toBe(false);
      expect(await s.withTransaction(id, { bodyHash: "another body" }, async () => {})).toEqual({ status: "conflict" });
      expect(await effects(id)).toBe(1);
    });

    it("rollback: the error propagates, the effect is gone, and the event stays unprocessed", async () => {
      const s = store();
      const id = `tx_rollback_${Math.random()}`;
      const failure = new Error("handler failed after writing");
      await expect(
        s.withTransaction(id, { bodyHash: HASH }, async (tx) => {
          await tx.query(`INSERT INTO ${sideTable} (event_id) VALUES ($1)`, [id]);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await effects(id)).toBe(0);
      // A retry runs it again, and this time it sticks.
      expect(
        await s.withTransaction(id, { bodyHash: HASH }, async (tx) => {
          await tx.query(`INSERT INTO ${sideTable} (event_id) VALUES ($1)`, [id]);
        }),
      ).toMatchObject({ status: "processed" });
      expect(await effects(id)).toBe(1);
    });

    it("a connection lost mid-transaction leaves the event unprocessed", async () => {
      const s = store();
      const id = `tx_lost_${Math.random()}`;
      await expect(
        s.withTransaction(id, { bodyHash: HASH }, async (tx) => {
          await tx.query(`INSERT INTO ${sideTable} (event_id) VALUES ($1)`, [id]);
          await tx.query("SELECT pg_terminate_backend(pg_backend_pid())");
        }),
      ).rejects.toThrow();
      expect(await effects(id)).toBe(0);
      expect((await s.claim(id, { bodyHash: HASH })).status).toBe("claimed");
    });

    it("10 concurrent deliveries of one event: exactly one effect", async () => {
      const s = store();
      const id = `tx_race_${Math.random()}`;
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          s.withTransaction(id, { bodyHash: HASH }, async (tx) => {
            await tx.query(`INSERT INTO ${sideTable} (event_id) VALUES ($1)`, [id]);
            await sleep(50);
          }),
        ),
      );
      expect(results.filter((r) => r.status === "processed")).toHaveLength(1);
      expect(results.every((r) => ["processed", "in-progress", "completed"].includes(r.status))).toBe(true);
      expect(await effects(id)).toBe(1);
    });

    it("rolls back and answers IN_PROGRESS when the lease lapsed and another delivery took over", async () => {
      const s = createPostgresStore({ pool, table, leaseMs: 300, ttlMs: 10_000, logger: silentLogger });
      const id = `tx_lapsed_${Math.random()}`;
      let takeover: Promise<unknown> | undefined;
      const slow = s.withTransaction(id, { bodyHash: HASH }, async (tx) => {
        await tx.query(`INSERT INTO ${sideTable} (event_id, note) VALUES ($1, 'slow')`, [id]);
        await sleep(400);
        takeover = s.claim(id, { bodyHash: HASH });
        await takeover;
      });
      await expect(slow).rejects.toMatchObject({ code: "IN_PROGRESS" });
      const newOwner = (await takeover) as { status: string; token: string };
      expect(newOwner.status).toBe("claimed");
      expect(await effects(id)).toBe(0);
      expect(await s.complete(id, newOwner.token)).toBe(true);
    });

    it("completeInTransaction: completion follows the caller's COMMIT or ROLLBACK", async () => {
      const s = store();
      const id = `tx_manual_${Math.random()}`;
      const claim = await s.claim(id, { bodyHash: HASH });
      if (claim.status !== "claimed") throw new Error(claim.status);
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        expect(await s.completeInTransaction(client, id, claim.token)).toBe(true);
        await client.query("ROLLBACK");
        expect((await s.claim(id, { bodyHash: HASH })).status).toBe("in-progress");
        await client.query("BEGIN");
        expect(await s.completeInTransaction(client, id, "stale-token")).toBe(false);
        expect(await s.completeInTransaction(client, id, claim.token)).toBe(true);
        await client.query("COMMIT");
      } finally {
        client.release();
      }
      expect(await s.claim(id, { bodyHash: HASH })).toEqual({ status: "completed" });
    });
  });

  describe("two Node processes", () => {
    const child = `
      const { createPostgresStore } = await import(process.env.STORE_MODULE);
      const pg = (await import("pg")).default;
      const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 6 });
      const store = createPostgresStore({ pool, table: process.env.TABLE, logger: {} });
      await Promise.all(Array.from({ length: 6 }, () => pool.query("SELECT 1")));
      process.stdout.write("ready\\n");
      await new Promise((resolve) => process.stdin.once("data", resolve));
      const results = await Promise.all(Array.from({ length: 50 }, () => store.claim(process.env.KEY, { bodyHash: "h" })));
      process.stdout.write(JSON.stringify(results.map((r) => r.status)) + "\\n");
      await pool.end();
      process.exit(0);
    `;

    it("gives 100 concurrent claims from two processes exactly one winner", async () => {
      const env = {
        ...process.env,
        STORE_MODULE: `${repoRoot}src/idempotency/postgres.ts`,
        DATABASE_URL: url!,
        TABLE: table,
        KEY: `msg_procs_${Date.now()}`,
      };
      const children = [0, 1].map(() => {
        const proc = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", child], {
          cwd: repoRoot,
          env,
          stdio: ["pipe", "pipe", "inherit"],
        });
        let out = "";
        proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        const ready = new Promise<void>((resolve, reject) => {
          proc.stdout.on("data", () => out.includes("ready\n") && resolve());
          proc.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
        });
        const result = new Promise<string[]>((resolve, reject) =>
          proc.on("exit", (code) =>
            code === 0 ? resolve(JSON.parse(out.slice(out.indexOf("ready\n") + 6)) as string[]) : reject(new Error(`exit ${code}`)),
          ),
        );
        return { ready, result, go: () => proc.stdin.write("go\n") };
      });
      await Promise.all(children.map((c) => c.ready));
      children.forEach((c) => c.go());
      const statuses = (await Promise.all(children.map((c) => c.result))).flat();
      expect(statuses).toHaveLength(100);
      expect(statuses.filter((s) => s === "claimed")).toHaveLength(1);
      expect(statuses.filter((s) => s === "in-progress")).toHaveLength(99);
    });
  });

  describe("outages", () => {
    it("rejects with STORE_UNAVAILABLE at once when pointed at a closed port", async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as net.AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const dead = new pg.Pool({ host: "127.0.0.1", port, user: "postgres", database: "test", connectionTimeoutMillis: 1000 });
      try {
        const store = createPostgresStore({ pool: dead, logger: silentLogger });
        const started = performance.now();
        const error = await store.claim("x", { bodyHash: HASH }).catch((err: unknown) => err);
        expect(isWebhookError(error) && error.code).toBe("STORE_UNAVAILABLE");
        expect((error as Error).cause).toBeInstanceOf(Error);
        expect(performance.now() - started).toBeLessThan(1000);
        await expect(store.withTransaction("x", { bodyHash: HASH }, async () => {})).rejects.toMatchObject({
          code: "STORE_UNAVAILABLE",
        });
      } finally {
        await dead.end();
      }
    });

    it("loses and doubles nothing when the connection drops mid-run and comes back", async () => {
      const target = new URL(url!);
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const cut = new pg.Pool({
        host: "127.0.0.1",
        port: proxy.port,
        user: decodeURIComponent(target.username) || "postgres",
        password: decodeURIComponent(target.password),
        database: target.pathname.slice(1),
        max: 5,
        connectionTimeoutMillis: 1000,
      });
      cut.on("error", () => {}); // idle connections die with the proxy
      const store: PostgresStore = createPostgresStore({ pool: cut, table, leaseMs: 300, ttlMs: 60_000, timeoutMs: 1000, logger: silentLogger });
      try {
        const outcome = await simulateDeliveries(store, 150, async () => {
          await proxy.stop();
          await sleep(400);
          await proxy.start();
        });
        expect(outcome.unavailable).toBeGreaterThan(0);
        expect(outcome.unexpected).toEqual([]);
        expect(outcome.handled.size).toBe(150);
        for (const [key, runs] of outcome.handled) {
          expect(runs, key).toBeGreaterThanOrEqual(1);
          if (runs > 1) expect(outcome.completeFailed.has(key), key).toBe(true);
        }
      } finally {
        await cut.end();
        await proxy.stop();
      }
    });
  });
});

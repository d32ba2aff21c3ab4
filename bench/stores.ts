import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import pg from "pg";
import { createClient } from "redis";
import { silentLogger } from "../src/util/logger.js";
import { createMemoryStore } from "../src/idempotency/memory.js";
import { createPostgresStore, type PgQueryable } from "../src/idempotency/postgres.js";
import { createRedisStore, type RedisClientLike } from "../src/idempotency/redis.js";
import { createSqliteStore } from "../src/idempotency/sqlite.js";
import type { IdempotencyStore } from "../src/idempotency/store.js";
import type { BenchCase, BenchSection, Candidate } from "./harness.js";

/**
 * One store's numbers: claim throughput under concurrency, latency of the
 * claim+complete pair (a new delivery) and of a duplicate claim, and round trips.
 *
 * @example
 * const rows: StoreBenchRow[] = await storesSection();
 */
export interface StoreBenchRow {
  store: string;
  claimsPerSec?: number;
  pairP50Ms?: number;
  pairP99Ms?: number;
  duplicateP50Ms?: number;
  duplicateP99Ms?: number;
  /** Round trips to the server for claim + complete of a new key. */
  roundTripsNew?: number;
  /** Round trips for the claim of an already completed key. */
  roundTripsDuplicate?: number;
  /** Why a store was skipped. */
  note?: string;
}

/**
 * Options of {@link storesSection}.
 *
 * @example
 * await storesSection({ pairs: 500, concurrency: 16 });
 */
export interface StoresBenchOptions {
  /** Sequential claim+complete pairs timed per store. Default 2,000. */
  pairs?: number;
  /** Claims in flight at once for the throughput figure. Default 32. */
  concurrency?: number;
  /** Length of the throughput run per store. Default 1,000 ms. */
  throughputMs?: number;
}

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const DATABASE_URL = process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
const HASH = "e".repeat(64);

interface Target {
  name: string;
  store: IdempotencyStore;
  /** Calls that reached the server so far. */
  roundTrips: () => number;
  close: () => Promise<void>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

function countingRedis(client: RedisClientLike): { client: RedisClientLike; count: () => number } {
  let calls = 0;
  const counted = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const name = String(property).toLowerCase();
      return (...args: unknown[]) => {
        if (name === "eval" || name === "evalsha") calls++;
        return value.apply(target, args);
      };
    },
  });
  return { client: counted, count: () => calls };
}

/**
 * Counts statements better-sqlite3 executes in this process (every statement object shares
 * one prototype), so the table can show statements per claim and per completion.
 */
function countSqliteStatements(): () => number {
  let executed = 0;
  const probe = new Database(":memory:");
  const proto = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of ["run", "all", "get"]) {
    const original = proto[method]!;
    proto[method] = function (this: unknown, ...args: unknown[]) {
      executed++;
      return original.apply(this, args);
    };
  }
  return () => executed;
}

async function openTargets(run: string): Promise<{ targets: Target[]; skipped: StoreBenchRow[] }> {
  const targets: Target[] = [];
  const skipped: StoreBenchRow[] = [];
  targets.push({ name: "memory", store: createMemoryStore({ maxEntries: 1_000_000 }), roundTrips: () => 0, close: async () => {} });

  // A file on disk (not :memory:), WAL and synchronous=FULL as the store sets them: every
  // completion is fsynced, as in production.
  const sqliteDir = mkdtempSync(join(tmpdir(), "agentref-bench-sqlite-"));
  const sqliteStatements = countSqliteStatements();
  const sqlite = createSqliteStore({ path: join(sqliteDir, "bench.db"), driver: "better-sqlite3" });
  await sqlite.migrate();
  targets.push({
    name: "sqlite (better-sqlite3)",
    store: sqlite,
    roundTrips: sqliteStatements,
    close: async () => {
      await sqlite.close();
      rmSync(sqliteDir, { recursive: true, force: true });
    },
  });

  const prefix = `agentref-webhooks-bench:${run}:`;
  try {
    const nodeClient = createClient({ url: REDIS_URL, disableOfflineQueue: true });
    nodeClient.on("error", () => {});
    await nodeClient.connect();
    const counted = countingRedis(nodeClient);
    targets.push({
      name: "redis (node-redis)",
      store: createRedisStore({ client: counted.client, prefix: `${prefix}n:` }),
      roundTrips: counted.count,
      close: async () => {
        for await (const keys of nodeClient.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
          if (keys.length > 0) await nodeClient.unlink(keys);
        }
        await nodeClient.quit();
      },
    });
    const ioClient = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    ioClient.on("error", () => {});
    await ioClient.connect();
    const ioCounted = countingRedis(ioClient);
    targets.push({
      name: "redis (ioredis)",
      store: createRedisStore({ client: ioCounted.client, prefix: `${prefix}i:` }),
      roundTrips: ioCounted.count,
      close: async () => {
        await ioClient.quit();
      },
    });
  } catch (err) {
    skipped.push({ store: "redis", note: `skipped: ${REDIS_URL} unreachable (${(err as Error).message})` });
  }

  const table = `agentref_bench_${run}`;
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10, connectionTimeoutMillis: 2_000 });
  pool.on("error", () => {});
  try {
    let statements = 0;
    const counted: PgQueryable = {
      query: (text, values) => {
        statements++;
        return values === undefined ? pool.query(text) : pool.query(text, values);
      },
    };
    const store = createPostgresStore({ pool: counted, table });
    await store.migrate();
    targets.push({
      name: "postgres",
      store,
      roundTrips: () => statements,
      close: async () => {
        await pool.query(`DROP TABLE IF EXISTS "${table}"`);
        await pool.end();
      },
    });
  } catch (err) {
    await pool.end().catch(() => {});
    skipped.push({ store: "postgres", note: `skipped: ${DATABASE_URL} unreachable (${(err as Error).message})` });
  }
  return { targets, skipped };
}

async function measure(target: Target, options: Required<StoresBenchOptions>): Promise<StoreBenchRow> {
  const { store } = target;
  let n = 0;
  const key = () => `bench_${n++}`;
  const pair = async (k: string) => {
    const claim = await store.claim(k, { bodyHash: HASH });
    if (claim.status !== "claimed") throw new Error(`${target.name}: expected claimed, got ${claim.status}`);
    await store.complete(k, claim.token);
  };
  for (let i = 0; i < 200; i++) await pair(key()); // warm-up: JIT, connections, script cache

  const before = target.roundTrips();
  const probe = key();
  await pair(probe);
  const roundTripsNew = target.roundTrips() - before;
  const beforeDuplicate = target.roundTrips();
  await store.claim(probe, { bodyHash: HASH });
  const roundTripsDuplicate = target.roundTrips() - beforeDuplicate;

  const pairs: number[] = [];
  const duplicates: number[] = [];
  for (let i = 0; i < options.pairs; i++) {
    const k = key();
    let t0 = performance.now();
    await pair(k);
    pairs.push(performance.now() - t0);
    t0 = performance.now();
    await store.claim(k, { bodyHash: HASH });
    duplicates.push(performance.now() - t0);
  }
  pairs.sort((a, b) => a - b);
  duplicates.sort((a, b) => a - b);

  let claims = 0;
  const deadline = performance.now() + options.throughputMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        await store.claim(key(), { bodyHash: HASH });
        claims++;
      }
    }),
  );
  const claimsPerSec = (claims / (performance.now() - started)) * 1000;

  return {
    store: target.name,
    claimsPerSec,
    pairP50Ms: percentile(pairs, 50),
    pairP99Ms: percentile(pairs, 99),
    duplicateP50Ms: percentile(duplicates, 50),
    duplicateP99Ms: percentile(duplicates, 99),
    roundTripsNew,
    roundTripsDuplicate,
  };
}

/**
 * Measures every store on loopback in one run: claims per second with `concurrency`
 * claims in flight, p50/p99 of the claim+complete pair (what a new delivery adds) and
 * of a duplicate's claim, and the round trips each costs. Redis and PostgreSQL come from
 * `REDIS_URL` / `DATABASE_URL` (default loopback); an unreachable one is reported as skipped.
 *
 * @example
 * const rows = await storesSection();
 * console.log(formatStoreRows(rows));
 */
export async function storesSection(options: StoresBenchOptions = {}): Promise<StoreBenchRow[]> {
  const resolved = { pairs: 2_000, concurrency: 32, throughputMs: 1_000, ...options };
  const { targets, skipped } = await openTargets(`${process.pid}_${Date.now().toString(36)}`);
  const rows: StoreBenchRow[] = [];
  try {
    for (const target of targets) rows.push(await measure(target, resolved));
  } finally {
    for (const target of targets) await target.close().catch(() => {});
  }
  return [...rows, ...skipped];
}

const fixed = (value: number | undefined, digits: number) => (value === undefined ? "" : value.toFixed(digits));

/**
 * The rows as a markdown table.
 *
 * @example
 * console.log(formatStoreRows(await storesSection()));
 */
export function formatStoreRows(rows: StoreBenchRow[]): string {
  const lines = [
    "| store | claims/s | claim+complete p50 (ms) | p99 (ms) | duplicate p50 (ms) | p99 (ms) | round trips (statements): new / duplicate |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    if (r.note !== undefined) {
      lines.push(`| ${r.store} | ${r.note} | | | | | |`);
      continue;
    }
    lines.push(
      `| ${r.store} | ${Math.round(r.claimsPerSec ?? 0).toLocaleString("en-US")} | ${fixed(r.pairP50Ms, 3)} | ${fixed(r.pairP99Ms, 3)} | ` +
        `${fixed(r.duplicateP50Ms, 3)} | ${fixed(r.duplicateP99Ms, 3)} | ${r.roundTripsNew} / ${r.roundTripsDuplicate} |`,
    );
  }
  return lines.join("\n");
}

const DESCRIPTION =
  "Idempotency stores on loopback, measured in one run. claims/s: new keys with 32 claims in flight on one client " +
  "(node-redis and ioredis pipeline one connection; PostgreSQL uses a pool of 10). The pair latency is what a new " +
  "delivery adds (claim, then complete); a duplicate costs one claim. Round trips are calls that reach the server " +
  "(for SQLite, statements executed; its driver is synchronous, so claims in flight run one after another, and each " +
  "write is fsynced: WAL with synchronous=FULL on this VM's disk).";

/**
 * Persistent connections for the harness case. They are unref'd (node-redis `unref()`,
 * pg `allowExitOnIdle`) because a section has no teardown: they must not keep the bench
 * process alive. Keys expire after a minute; the table is shared by runs and purged.
 */
async function harnessCandidates(): Promise<Candidate[]> {
  let n = 0;
  const pairOf = (store: IdempotencyStore) => async () => {
    const key = `harness_${process.pid}_${n++}`;
    const claim = await store.claim(key, { bodyHash: HASH });
    if (claim.status !== "claimed") return false;
    return store.complete(key, claim.token);
  };
  const settings = { ttlMs: 60_000, leaseMs: 10_000, logger: silentLogger };
  const candidates: Candidate[] = [{ name: "memory", fn: pairOf(createMemoryStore({ ...settings, maxEntries: 1_000_000 })) }];
  // Left in the OS temp directory (a section has no teardown); it is a few hundred KB.
  const sqlitePath = join(mkdtempSync(join(tmpdir(), "agentref-bench-sqlite-")), "harness.db");
  candidates.push({ name: "sqlite", fn: pairOf(createSqliteStore({ path: sqlitePath, driver: "better-sqlite3", ...settings })) });
  try {
    const client = createClient({ url: REDIS_URL, disableOfflineQueue: true });
    client.on("error", () => {});
    await client.connect();
    client.unref();
    candidates.push({ name: "redis", fn: pairOf(createRedisStore({ client, prefix: "agentref-webhooks-bench:", ...settings })) });
  } catch {
    // Unreachable: the table above already says so.
  }
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2, allowExitOnIdle: true, connectionTimeoutMillis: 2_000 });
  pool.on("error", () => {});
  try {
    const store = createPostgresStore({ pool, table: "agentref_webhook_bench", ...settings });
    await store.migrate();
    await store.purgeExpired();
    candidates.push({ name: "postgres", fn: pairOf(store) });
  } catch {
    await pool.end().catch(() => {});
  }
  return candidates;
}

/**
 * The section for `npm run bench -- stores`. The table of {@link storesSection}
 * (throughput, percentiles, round trips: no baseline to divide by) goes into the
 * description; the harness case times one claim+complete pair at a time per store,
 * relative to the in-memory store.
 *
 * @example
 * const sections = { stores: storesBenchSection };
 */
export const storesBenchSection: BenchSection = {
  name: "stores",
  title: "Idempotency stores: claims/s, latency per delivery, round trips",
  description: DESCRIPTION,
  async cases(): Promise<BenchCase[]> {
    const table = formatStoreRows(await storesSection());
    console.log(table);
    this.description = `${DESCRIPTION}\n\n${table}`;
    return [{ name: "claim+complete, one at a time", baseline: "memory", candidates: await harnessCandidates() }];
  },
};

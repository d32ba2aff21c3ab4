// The Cloudflare D1 store. Over 200 lines: one store, the whole IdempotencyStore contract.
import {
  checkTableName,
  guard,
  listLimit,
  newOwnerToken,
  orderValue,
  purgeLimit,
  resolveStoreSettings,
  resolveTimeout,
  type StoreSettingsInput,
} from "./settings.js";
import {
  bind,
  claimResultOf,
  entityClaimResultOf,
  parkedOf,
  parkValues,
  sqliteSchema,
  sqliteStatements,
  tableNames,
  type EntityClaimRow,
  type ParkedRow,
  type SqliteClaimRow,
  type Statement,
} from "./sql.js";
import type { ClaimResult, IdempotencyStore } from "./store.js";

/**
 * The part of a D1 prepared statement the store uses (the real `D1PreparedStatement` fits).
 *
 * @example
 * const statement: D1PreparedStatementLike = env.DB.prepare("SELECT 1");
 */
export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  all(): Promise<{ results?: unknown[] }>;
  run(): Promise<{ meta?: { changes?: number } }>;
}

/**
 * The part of a Cloudflare D1 binding (`D1Database`) the store uses.
 *
 * @example
 * const database: D1DatabaseLike = env.DB;
 */
export interface D1DatabaseLike {
  prepare(query: string): D1PreparedStatementLike;
  batch(statements: D1PreparedStatementLike[]): Promise<unknown[]>;
}

/**
 * Options of {@link createD1Store}.
 *
 * @example
 * import { env } from "cloudflare:workers";
 * createD1Store({ database: () => env.DB, table: "webhook_keys" });
 */
export interface D1StoreOptions extends StoreSettingsInput {
  /** The D1 binding, or a function that returns it (called on the first delivery). */
  database: D1DatabaseLike | (() => D1DatabaseLike);
  /** Table name. Default `"agentref_webhook_idempotency"`. */
  table?: string;
  /** A statement with no answer after this many milliseconds fails with `STORE_UNAVAILABLE`. Default 5,000. */
  timeoutMs?: number;
}

/**
 * The D1 store: an {@link IdempotencyStore} plus table management.
 *
 * @example
 * const store: D1Store = createD1Store({ database: () => env.DB });
 * await store.migrate();
 */
export interface D1Store extends Required<IdempotencyStore> {
  /**
   * Creates the tables and indexes if missing. Optional: the first statement that finds a
   * table missing creates them too. Safe to run concurrently and repeatedly.
   */
  migrate(): Promise<void>;
  /** Deletes expired records (at most `limit`, oldest first) and returns how many. Parked deliveries never expire. */
  purgeExpired(options?: { limit?: number }): Promise<number>;
}

const DEFAULT_TABLE = "agentref_webhook_idempotency";

/**
 * An idempotency store on Cloudflare D1, for receivers on Workers: shared by every isolate,
 * and it survives deploys (KV is eventually consistent, wrong for claims). It does no I/O until
 * the first delivery; the table is created when a statement finds it missing. Each operation is
 * one statement, the SQLite store's SQL. Failures become `STORE_UNAVAILABLE` (503).
 *
 * @example
 * import { env } from "cloudflare:workers";
 * import { createHandler } from "agentref-webhooks";
 * import { createD1Store } from "agentref-webhooks/d1";
 * const handler = createHandler({
 *   secret: env.AGENTREF_WEBHOOK_SECRET,
 *   store: createD1Store({ database: () => env.DB }),
 *   on: { "conversion.created": async (event) => {} },
 * });
 * export default { fetch: (request: Request) => handler(request) };
 */
export function createD1Store(options: D1StoreOptions): D1Store {
  const settings = resolveStoreSettings("d1", options);
  const timeoutMs = resolveTimeout("d1", options.timeoutMs);
  const source = options.database;
  if (typeof source !== "function" && typeof (source as Partial<D1DatabaseLike> | undefined)?.prepare !== "function") {
    throw new TypeError("createD1Store: `database` must be a D1 binding (env.DB) or a function that returns one.");
  }
  const table = checkTableName("d1", options.table ?? DEFAULT_TABLE, false)[0]!;
  const names = tableNames([table]);
  const statements = sqliteStatements(names);
  const schema = sqliteSchema(names);

  const database = (): D1DatabaseLike => {
    const db = typeof source === "function" ? source() : source;
    if (typeof db?.prepare !== "function") {
      throw new TypeError(
        "createD1Store: `database` returned no D1 binding. Check the binding's name in wrangler.toml (d1_databases) and in your code.",
      );
    }
    return db;
  };

  const createTable = async (db: D1DatabaseLike): Promise<void> => {
    await db.batch(schema.map((statement) => db.prepare(statement)));
  };

  // A statement that finds the table missing creates it (IF NOT EXISTS: isolates may race) and runs again.
  const run = <T>(operation: string, fn: (db: D1DatabaseLike) => Promise<T>) =>
    guard("d1", operation, timeoutMs, async () => {
      const db = database();
      try {
        return await fn(db);
      } catch (err) {
        if (!/no such table/i.test(err instanceof Error ? err.message : String(err))) throw err;
        await createTable(db);
        return await fn(db);
      }
    });

  const prepared = (db: D1DatabaseLike, statement: Statement, values: unknown[]) =>
    db.prepare(statement.text).bind(...bind(statement, values));
  const changes = async (db: D1DatabaseLike, statement: Statement, values: unknown[]) =>
    Number((await prepared(db, statement, values).run()).meta?.changes ?? 0);

  return {
    settings,
    async claim(key, { bodyHash }): Promise<ClaimResult> {
      const token = newOwnerToken();
      const { results = [] } = await run("claim", (db) =>
        prepared(db, statements.claim, [key, token, bodyHash, settings.leaseMs, settings.ttlMs]).all(),
      );
      return claimResultOf("d1", results[0] as SqliteClaimRow | undefined, token);
    },
    complete: (key, token) => run("complete", async (db) => (await changes(db, statements.complete, [key, token, settings.ttlMs])) === 1),
    release: (key, token) => run("release", async (db) => (await changes(db, statements.release, [key, token])) === 1),
    renew: (key, token) =>
      run("renew", async (db) => (await changes(db, statements.renew, [key, token, settings.leaseMs, settings.ttlMs])) === 1),
    async claimEntity(key, position) {
      const token = newOwnerToken();
      const { results = [] } = await run("claimEntity", (db) =>
        prepared(db, statements.claimEntity, [key, token, orderValue(position), position.eventId, settings.leaseMs, settings.ttlMs]).all(),
      );
      return entityClaimResultOf("d1", results[0] as EntityClaimRow | undefined, token);
    },
    renewEntity: (key, token) =>
      run("renewEntity", async (db) => (await changes(db, statements.renewEntity, [key, token, settings.leaseMs, settings.ttlMs])) === 1),
    releaseEntity: (key, token, applied) =>
      // The steps of the SQLite store in one batch: one round trip, and D1 runs a batch as one transaction.
      run("releaseEntity", async (db) => {
        const order = orderValue(applied);
        const steps = [
          ...(order === null ? [] : [prepared(db, statements.recordApplied, [key, order, applied!.eventId, settings.ttlMs])]),
          prepared(db, statements.releaseLock, [key, token]),
          ...(order === null ? [prepared(db, statements.dropEmpty, [key])] : []),
        ];
        const results = (await db.batch(steps)) as { meta?: { changes?: number } }[];
        return Number(results[order === null ? 0 : 1]?.meta?.changes ?? 0) === 1;
      }),
    async park(delivery) {
      await run("park", (db) => prepared(db, statements.park, parkValues(delivery)).run());
    },
    async listParked(listOptions = {}) {
      const limit = listLimit("d1", listOptions.limit);
      if (limit === 0) return [];
      const { results = [] } = await run("listParked", (db) =>
        (limit === undefined
          ? prepared(db, statements.listParked, [])
          : prepared(db, statements.listParkedSome, [limit])
        ).all(),
      );
      return (results as ParkedRow[]).map(parkedOf);
    },
    unpark: (key) => run("unpark", async (db) => (await changes(db, statements.unpark, [key])) === 1),
    async migrate() {
      await guard("d1", "migrate", timeoutMs, () => createTable(database()));
    },
    purgeExpired(purgeOptions = {}) {
      const limit = purgeLimit("d1", purgeOptions.limit);
      if (limit === undefined) {
        return run("purgeExpired", async (db) => (await changes(db, statements.purge, [])) + (await changes(db, statements.purgeEntities, [])));
      }
      return run("purgeExpired", async (db) => {
        const events = await changes(db, statements.purgeSome, [limit]);
        return events >= limit ? events : events + (await changes(db, statements.purgeEntitiesSome, [limit - events]));
      });
    },
  };
}

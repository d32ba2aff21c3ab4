import {
  checkPositiveInteger,
  checkTableName,
  guard,
  newOwnerToken,
  resolveStoreSettings,
  resolveTimeout,
  type StoreSettingsInput,
} from "./settings.js";
import { bind, claimResultOf, sqliteSchema, sqliteStatements, type SqliteClaimRow, type Statement } from "./sql.js";
import type { ClaimResult, IdempotencyStore } from "./store.js";

/**
 * The part of a D1 prepared statement the store uses (structural: no dependency on
 * `@cloudflare/workers-types`; the real `D1PreparedStatement` fits).
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
  /**
   * The D1 binding, or a function that returns it. The function is called on the first
   * delivery, so the store can be made at module scope before the binding is reachable.
   */
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
export interface D1Store extends IdempotencyStore {
  /**
   * Creates the table and its index if missing. Optional: the first statement that finds
   * the table missing creates it too. Safe to run concurrently and repeatedly.
   */
  migrate(): Promise<void>;
  /** Deletes expired records (at most `limit` when given, oldest first) and returns how many. */
  purgeExpired(options?: { limit?: number }): Promise<number>;
}

const DEFAULT_TABLE = "agentref_webhook_idempotency";

/**
 * An idempotency store on Cloudflare D1, for receivers on Workers: every isolate and every
 * request of the Worker shares it, and it survives deploys. (KV is eventually consistent,
 * which is wrong for claims; D1 is SQLite with one writer.)
 *
 * Made at module scope it does no I/O, draws no random value and sets no timer until the
 * first delivery. The first statement that finds the table missing creates it (or call
 * `migrate()`), so there is no schema statement per request or per isolate.
 * Each operation is one statement with the same SQL as the SQLite store: `claim` is one
 * upsert, `complete`, `renew` and `release` one owner-checked statement each. Times come
 * from the database's clock. A failure or a statement with no answer after `timeoutMs`
 * becomes `WebhookError("STORE_UNAVAILABLE")` (503, the sender retries).
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
  const statements = sqliteStatements(`"${table}"`);
  const schema = sqliteSchema(table);

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

  // No schema statement per request or per isolate: a statement that finds the table
  // missing creates it (CREATE … IF NOT EXISTS, safe when isolates race) and runs again.
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
    async migrate() {
      await guard("d1", "migrate", timeoutMs, () => createTable(database()));
    },
    purgeExpired(purgeOptions = {}) {
      if (purgeOptions.limit === undefined) return run("purgeExpired", (db) => changes(db, statements.purge, []));
      const limit = checkPositiveInteger("d1", "purgeExpired limit", purgeOptions.limit, 0, "rows");
      return run("purgeExpired", (db) => changes(db, statements.purgeSome, [limit]));
    },
  };
}

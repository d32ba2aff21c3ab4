// The Cloudflare D1 store: the SQLite statements over a D1 binding.
import { guard, resolveDatabaseSettings, type StoreSettingsInput } from "./settings.js";
import { bind, sqlSchema, sqlStatements, sqlStore, tableNames, type Statement, type SqlStore } from "./sql.js";
import type { IdempotencyStore } from "./store.js";

/**
 * The part of a D1 prepared statement the store uses (the real `D1PreparedStatement` fits).
 * @example const statement: D1PreparedStatementLike = env.DB.prepare("SELECT 1");
 */
export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  all(): Promise<{ results?: unknown[] }>;
  run(): Promise<{ meta?: { changes?: number } }>;
}

/**
 * The part of a Cloudflare D1 binding (`D1Database`) the store uses.
 * @example const database: D1DatabaseLike = env.DB;
 */
export interface D1DatabaseLike {
  prepare(query: string): D1PreparedStatementLike;
  batch(statements: D1PreparedStatementLike[]): Promise<unknown[]>;
}

/**
 * Options of {@link createD1Store}.
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
 * @example
 * const store: D1Store = createD1Store({ database: () => env.DB });
 * await store.migrate();
 */
export interface D1Store extends SqlStore {}

/**
 * An idempotency store on Cloudflare D1 for receivers on Workers, shared by every isolate (KV is eventually
 * consistent, wrong for claims). No I/O until the first delivery; a statement that finds the table missing
 * creates it. Each operation is one statement, the SQLite store's SQL. Failures become `STORE_UNAVAILABLE` (503).
 * @example
 * import { env } from "cloudflare:workers";
 * import { createD1Store } from "agentref-webhooks/d1";
 * const store = createD1Store({ database: () => env.DB });
 * const handler = createHandler({ secret: env.AGENTREF_WEBHOOK_SECRET, store, on: {} });
 * export default { fetch: (request: Request) => handler(request) };
 */
export function createD1Store(options: D1StoreOptions): D1Store {
  const { settings, timeoutMs } = resolveDatabaseSettings("d1", options);
  const source = options.database;
  if (typeof source !== "function" && typeof (source as Partial<D1DatabaseLike> | undefined)?.prepare !== "function") {
    throw new TypeError("createD1Store: `database` must be a D1 binding (env.DB) or a function that returns one.");
  }
  const names = tableNames("d1", options.table ?? "agentref_webhook_idempotency", false);
  const schema = sqlSchema("sqlite", names);

  const database = (): D1DatabaseLike => {
    const db = typeof source === "function" ? source() : source;
    if (typeof db?.prepare !== "function") {
      throw new TypeError(
        "createD1Store: `database` returned no D1 binding. Check the binding's name in wrangler.toml (d1_databases) and in your code.",
      );
    }
    return db;
  };

  const prepare = (db: D1DatabaseLike, statement: Statement, values: unknown[]) =>
    db.prepare(statement.text).bind(...bind(statement, values));
  const createTable = (db: D1DatabaseLike) => db.batch(schema.map((statement) => db.prepare(statement)));

  // IF NOT EXISTS: isolates may race to create the table.
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

  return {
    ...sqlStore("d1", settings, sqlStatements("sqlite", names), {
      rows: async (operation, statement, values) => (await run(operation, (db) => prepare(db, statement, values).all())).results ?? [],
      // Several statements as one batch: one round trip, and D1 runs a batch as one transaction.
      changes: (operation, steps) =>
        run(operation, async (db) => {
          const prepared = steps.map(([statement, values]) => prepare(db, statement, values));
          const results = prepared.length === 1 ? [await prepared[0]!.run()] : await db.batch(prepared);
          return (results as { meta?: { changes?: number } }[]).map((result) => Number(result.meta?.changes ?? 0));
        }),
    }),
    async migrate() {
      await guard("d1", "migrate", timeoutMs, () => createTable(database()));
    },
  };
}

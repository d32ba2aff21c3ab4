// The PostgreSQL store. Over 200 lines: its public types, migrate and withTransaction (the
// same-transaction pattern) beside the shared SQL store.
import { WebhookError } from "../errors/index.js";
import { guard, orderValue, resolveDatabaseSettings, type StoreSettingsInput } from "./settings.js";
import { bind, sqlSchema, sqlStatements, sqlStore, tableNames, type Statement, type SqlStore } from "./sql.js";
import type { ClaimOptions, ClaimResult, IdempotencyStore } from "./store.js";

/**
 * Anything with pg's `query(text, values)`: a `Pool`, a `Client` or a `PoolClient`.
 * @example
 * import pg from "pg";
 * const db: PgQueryable = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 */
export interface PgQueryable {
  // `any` rows so that pg's own generic QueryResult<R> fits without a type import.
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

/**
 * Options of {@link createPostgresStore}.
 * @example createPostgresStore({ pool, table: "webhooks.agentref_idempotency", ttlMs: 48 * 3600_000 });
 */
export interface PostgresStoreOptions extends StoreSettingsInput {
  /** A `pg.Pool` (`withTransaction` checks out its own connection), or a `Client` / `PoolClient` only this store uses. */
  pool: PgQueryable;
  /** Table name, optionally schema-qualified. Default `"agentref_webhook_idempotency"`. */
  table?: string;
  /** A store statement with no answer after this many milliseconds fails with `STORE_UNAVAILABLE`. Default 5,000. */
  timeoutMs?: number;
}

/**
 * What {@link PostgresStore.withTransaction} answers: `processed` when your callback ran and committed
 * with the completion mark; otherwise the claim result that kept it from running.
 * @example
 * const result: TransactionResult<number> = await store.withTransaction(id, { bodyHash }, async (tx) => 1);
 * if (result.status === "processed") console.log(result.value);
 */
export type TransactionResult<T> =
  | { status: "processed"; value: T }
  | Exclude<ClaimResult, { status: "claimed" }>;

/**
 * The PostgreSQL store: an {@link IdempotencyStore} plus table management and the same-transaction pattern.
 * @example
 * const store: PostgresStore = createPostgresStore({ pool });
 * await store.migrate();
 */
export interface PostgresStore extends SqlStore {
  /** The quoted table name used in every statement. */
  readonly table: string;
  /** Alias of {@link PostgresStore.migrate}. */
  ensureTable(): Promise<void>;
  /**
   * Claims `key`, runs `fn` in a transaction and completes the key in it. If `fn` throws: rollback, release,
   * rethrow. If another delivery took the key over meanwhile: rollback and `IN_PROGRESS`.
   */
  withTransaction<T, Tx extends PgQueryable = PgQueryable>(
    key: string,
    options: ClaimOptions,
    fn: (tx: Tx) => Promise<T>,
  ): Promise<TransactionResult<T>>;
  /** Completes the key inside your transaction `tx`. False when `token` no longer owns it: roll back then. */
  completeInTransaction(tx: PgQueryable, key: string, token: string): Promise<boolean>;
}

/**
 * The default table of {@link createPostgresStore}.
 * @example await pool.query(`SELECT count(*) FROM ${DEFAULT_POSTGRES_TABLE} WHERE status = 'in-progress'`);
 */
export const DEFAULT_POSTGRES_TABLE = "agentref_webhook_idempotency";

/**
 * The SQL that creates the store's tables and indexes (what `migrate()` runs), for your own
 * migrations. Every statement is `IF NOT EXISTS`, so it also upgrades a 0.1.0 schema.
 * @example
 * import { postgresSchemaSql } from "agentref-webhooks/postgres";
 * console.log(postgresSchemaSql("agentref_webhook_idempotency"));
 */
export function postgresSchemaSql(table: string = DEFAULT_POSTGRES_TABLE): string {
  return sqlSchema("postgres", tableNames("postgres", table, true)).join(";\n") + ";\n";
}

interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgQueryable & { release(err?: Error | boolean): void } & Partial<Record<"on" | "off", ErrorListener>>>;
}
type ErrorListener = (event: "error", listener: (err: Error) => void) => unknown;

function isPool(db: PgQueryable): db is PgPoolLike {
  const d = db as unknown as Record<string, unknown>;
  return typeof d["connect"] === "function" && typeof d["release"] !== "function" && typeof d["totalCount"] === "number";
}

function isUndefinedTable(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "42P01";
}

/**
 * An idempotency store on PostgreSQL (>= 11), shared by every app instance. Create the tables with `await
 * store.migrate()` (or {@link postgresSchemaSql}) and schedule `purgeExpired()`. Each operation is one statement
 * on the database clock. Failures become `STORE_UNAVAILABLE` (503); set the pool's `connectionTimeoutMillis`.
 * @example
 * import { createPostgresStore } from "agentref-webhooks/postgres";
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2_000 });
 * const store = createPostgresStore({ pool });
 * await store.migrate();
 * setInterval(() => store.purgeExpired({ limit: 10_000 }), 3600_000).unref();
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const { settings, timeoutMs } = resolveDatabaseSettings("postgres", options);
  const db = options.pool;
  if (typeof db?.query !== "function") {
    throw new TypeError("createPostgresStore: `pool` must be a pg Pool, Client or PoolClient (anything with query(text, values)).");
  }
  const t = tableNames("postgres", options.table ?? DEFAULT_POSTGRES_TABLE, true);
  const s = sqlStatements("postgres", t);
  // Names the missing table: 0.1.0 created only the first, not those of ordering and parking.
  const hint = (text: string) => (err: unknown) => {
    if (!isUndefinedTable(err)) return undefined;
    const table = text.includes(t.entities) ? t.entities : text.includes(t.parked) ? t.parked : t.main;
    return `The table ${table.replaceAll('"', "")} does not exist: run \`await store.migrate()\` once at startup, or apply postgresSchemaSql() in your migrations.`;
  };

  const query = (operation: string, on: PgQueryable, statement: Statement | string, values: unknown[] = []) => {
    const text = typeof statement === "string" ? statement : statement.text;
    const run = () => (typeof statement === "string" ? on.query(text) : on.query(text, bind(statement, values)));
    return guard("postgres", operation, timeoutMs, run, hint(text));
  };
  const completeOn = async (on: PgQueryable, key: string, token: string) =>
    (await query("complete", on, s.complete, [key, token, settings.ttlMs])).rowCount === 1;
  const store = sqlStore("postgres", settings, s, {
    rows: async (operation, statement, values) => (await query(operation, db, statement, values)).rows,
    // One statement at a time, not one unit: only releaseEntity runs several, and it is one statement here (below).
    async changes(operation, steps) {
      const counts: number[] = [];
      for (const [statement, values] of steps) {
        const result = await query(operation, db, statement, values).catch((err: { cause?: unknown }) => {
          // A schema from 0.1.0 (no ordering table yet) still purges its event records.
          if (statement === s.purgeEntities && isUndefinedTable(err.cause)) return { rowCount: 0 };
          throw err;
        });
        counts.push(result.rowCount ?? 0);
      }
      return counts;
    },
  });
  const migrate = async () => {
    // One simple-protocol query is one implicit transaction, so the advisory lock
    // serializes concurrent migrations (CREATE … IF NOT EXISTS alone can still race).
    const lock = `SELECT pg_advisory_xact_lock(hashtext('agentref-webhooks:migrate:${t.main.replaceAll('"', "")}'));`;
    await query("migrate", db, `${lock}\n${postgresSchemaSql(options.table)}`);
  };

  const checkout = async (): Promise<{ tx: PgQueryable; done: (err?: Error) => void }> => {
    if (!isPool(db)) return { tx: db, done: () => {} };
    const pending = db.connect();
    try {
      const client = await guard("postgres", "connect", timeoutMs, () => pending);
      // pg emits "error" on a checked-out client whose connection dies; with no listener
      // that would crash the process. The failing query rejects anyway, so only remember it.
      let lost: Error | undefined;
      const onError = (err: Error) => {
        lost = err;
      };
      client.on?.("error", onError);
      return {
        tx: client,
        done: (err) => {
          client.off?.("error", onError);
          client.release(err ?? lost ?? false);
        },
      };
    } catch (err) {
      // The connection we gave up on may still arrive: hand it back instead of leaking it.
      pending.then((client) => client.release(), () => {});
      throw err;
    }
  };

  return {
    ...store,
    table: t.main,
    completeInTransaction: completeOn,
    migrate,
    ensureTable: migrate,
    // One statement (the shared steps would take three round trips).
    async releaseEntity(key, token, applied) {
      const values = [key, token, orderValue(applied), applied?.eventId ?? null, settings.ttlMs];
      return (await query("releaseEntity", db, s.releaseEntity, values)).rows[0]?.held === true;
    },
    async withTransaction<T, Tx extends PgQueryable = PgQueryable>(
      key: string,
      claimOptions: ClaimOptions,
      fn: (tx: Tx) => Promise<T>,
    ): Promise<TransactionResult<T>> {
      const claimed = await store.claim(key, claimOptions);
      if (claimed.status !== "claimed") return claimed;
      const { tx, done } = await checkout().catch(async (err: unknown) => {
        await store.release(key, claimed.token).catch(() => false);
        throw err;
      });
      let began = false;
      try {
        await query("begin", tx, "BEGIN");
        began = true;
        const value = await fn(tx as Tx);
        if (!(await completeOn(tx, key, claimed.token))) {
          throw new WebhookError(
            "IN_PROGRESS",
            `The lease on ${JSON.stringify(key)} lapsed and another delivery took it over before this transaction ` +
              `committed; it was rolled back. Raise leaseMs above your longest transaction.`,
          );
        }
        await query("commit", tx, "COMMIT");
        began = false;
        done();
        return { status: "processed", value };
      } catch (err) {
        let broken: Error | undefined;
        if (began) {
          try {
            await tx.query("ROLLBACK");
          } catch (rollbackError) {
            // A connection that cannot roll back must not go back to the pool.
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          }
        }
        done(broken);
        // Safe even if a failed COMMIT actually landed: release only deletes an in-progress record.
        await store.release(key, claimed.token).catch(() => false);
        throw err;
      }
    },
  };
}

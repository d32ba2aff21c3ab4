// The PostgreSQL store. Over 200 lines: the whole IdempotencyStore contract plus migrate,
// purgeExpired and withTransaction (the same-transaction pattern).
import { WebhookError } from "../errors/index.js";
import {
  checkTableName,
  guard,
  listLimit,
  newOwnerToken,
  orderValue,
  purgeLimit,
  resolveStoreSettings,
  resolveTimeout,
  storeUnavailable,
  type StoreSettingsInput,
} from "./settings.js";
import {
  bind,
  entityClaimResultOf,
  parkedOf,
  parkValues,
  postgresClaim,
  postgresSchema,
  postgresStatements,
  tableNames,
  type EntityClaimRow,
  type ParkedRow,
  type Statement,
  type TableNames,
} from "./sql.js";
import type { ClaimOptions, ClaimResult, IdempotencyStore } from "./store.js";

/**
 * Anything with pg's `query(text, values)`: a `Pool`, a `Client` or a `PoolClient`.
 *
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
 *
 * @example
 * createPostgresStore({ pool, table: "webhooks.agentref_idempotency", ttlMs: 48 * 3600_000 });
 */
export interface PostgresStoreOptions extends StoreSettingsInput {
  /**
   * A `pg.Pool` (recommended: `withTransaction` checks out its own connection), or a
   * `Client` / `PoolClient` used exclusively by this store.
   */
  pool: PgQueryable;
  /** Table name, optionally schema-qualified. Default `"agentref_webhook_idempotency"`. */
  table?: string;
  /** A store statement with no answer after this many milliseconds fails with `STORE_UNAVAILABLE`. Default 5,000. */
  timeoutMs?: number;
}

/**
 * What {@link PostgresStore.withTransaction} answers: `processed` when your callback
 * ran and committed together with the completion mark; otherwise the claim result
 * that kept it from running.
 *
 * @example
 * const result: TransactionResult<number> = await store.withTransaction(id, { bodyHash }, async (tx) => 1);
 * if (result.status === "processed") console.log(result.value);
 */
export type TransactionResult<T> =
  | { status: "processed"; value: T }
  | Exclude<ClaimResult, { status: "claimed" }>;

/**
 * The PostgreSQL store: an {@link IdempotencyStore} plus table management and the
 * same-transaction pattern.
 *
 * @example
 * const store: PostgresStore = createPostgresStore({ pool });
 * await store.migrate();
 */
export interface PostgresStore extends Required<IdempotencyStore> {
  /** The quoted table name used in every statement. */
  readonly table: string;
  /** Creates the tables and indexes if missing. Safe to run concurrently and repeatedly. */
  migrate(): Promise<void>;
  /** Alias of {@link PostgresStore.migrate}. */
  ensureTable(): Promise<void>;
  /** Deletes expired records (at most `limit`, oldest first) and returns how many. Parked deliveries never expire. */
  purgeExpired(options?: { limit?: number }): Promise<number>;
  /**
   * Claims `key`, runs `fn` in a transaction and marks the key completed in that transaction.
   * If `fn` throws, it rolls back, releases the claim and rethrows. If another delivery took the
   * key over meanwhile, it rolls back and throws `IN_PROGRESS`.
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
 *
 * @example
 * await pool.query(`SELECT count(*) FROM ${DEFAULT_POSTGRES_TABLE} WHERE status = 'in-progress'`);
 */
export const DEFAULT_POSTGRES_TABLE = "agentref_webhook_idempotency";

function tableName(table: string): TableNames {
  return tableNames(checkTableName("postgres", table, true));
}

/**
 * The SQL that creates the store's tables and indexes (what `migrate()` runs), for your own
 * migrations. Every statement is `IF NOT EXISTS`, so it also upgrades a 0.1.0 schema.
 *
 * @example
 * import { postgresSchemaSql } from "agentref-webhooks/postgres";
 * console.log(postgresSchemaSql("agentref_webhook_idempotency"));
 */
export function postgresSchemaSql(table: string = DEFAULT_POSTGRES_TABLE): string {
  return postgresSchema(tableName(table));
}

interface ClaimRow {
  outcome: "claimed" | "existing";
  status: "in-progress" | "completed" | null;
  same_body: boolean;
  expired: boolean;
  lease_at_ms: number | null;
  retry_ms: number | null;
}

const MAX_CLAIM_ATTEMPTS = 5;

interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgQueryable & { release(err?: Error | boolean): void }>;
}

function isPool(db: PgQueryable): db is PgPoolLike {
  const d = db as unknown as Record<string, unknown>;
  return typeof d["connect"] === "function" && typeof d["release"] !== "function" && typeof d["totalCount"] === "number";
}

function failureHint(table: string) {
  return (err: unknown): string | undefined => {
    if (isUndefinedTable(err)) {
      return `The table ${table} does not exist: run \`await store.migrate()\` once at startup, or apply postgresSchemaSql() in your migrations.`;
    }
    return undefined;
  };
}

function isUndefinedTable(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "42P01";
}

/**
 * An idempotency store on PostgreSQL (>= 11), shared by every app instance. Create the tables
 * with `await store.migrate()` (or {@link postgresSchemaSql}) and schedule `purgeExpired()`.
 * Each operation is one statement on the database clock. Failures become `STORE_UNAVAILABLE`
 * (503); set the pool's `connectionTimeoutMillis` so an exhausted pool fails fast.
 *
 * @example
 * import pg from "pg";
 * import { createPostgresStore } from "agentref-webhooks/postgres";
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2_000 });
 * const store = createPostgresStore({ pool });
 * await store.migrate();
 * const handler = createHandler({ secret, store, on: {} });
 * setInterval(() => store.purgeExpired({ limit: 10_000 }), 3600_000).unref();
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const settings = resolveStoreSettings("postgres", options);
  const timeoutMs = resolveTimeout("postgres", options.timeoutMs);
  const db = options.pool;
  if (typeof db?.query !== "function") {
    throw new TypeError("createPostgresStore: `pool` must be a pg Pool, Client or PoolClient (anything with query(text, values)).");
  }
  const t = tableName(options.table ?? DEFAULT_POSTGRES_TABLE);
  const hint = failureHint(t.plain.main);
  // A database migrated by 0.1.0 lacks these tables until migrate() runs again.
  const entityHint = failureHint(t.plain.entities);
  const parkedHint = failureHint(t.plain.parked);
  const statements = postgresStatements(t);
  const sql = {
    claim: postgresClaim(t.main),
    // One simple-protocol query is one implicit transaction, so the advisory lock
    // serializes concurrent migrations (CREATE … IF NOT EXISTS alone can still race).
    migrate: `SELECT pg_advisory_xact_lock(hashtext('agentref-webhooks:migrate:${t.plain.main}'));\n${postgresSchema(t)}`,
  };

  const run = (operation: string, on: PgQueryable, text: string, values?: unknown[], onFailure = hint) =>
    guard("postgres", operation, timeoutMs, () => (values === undefined ? on.query(text) : on.query(text, values)), onFailure);
  const entities = (operation: string, statement: Statement, values: unknown[]) =>
    run(operation, db, statement.text, bind(statement, values), entityHint);
  const parked = (operation: string, statement: Statement, values: unknown[]) =>
    run(operation, db, statement.text, bind(statement, values), parkedHint);

  const claim = async (key: string, { bodyHash }: ClaimOptions): Promise<ClaimResult> => {
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const token = newOwnerToken();
      const { rows } = await run("claim", db, sql.claim, [key, token, bodyHash, settings.leaseMs, settings.ttlMs]);
      const row = rows[0] as ClaimRow | undefined;
      if (row === undefined) continue;
      if (row.outcome === "claimed") return { status: "claimed", token, leaseExpiresAt: Number(row.lease_at_ms) };
      // The row as of our snapshot; if it looks claimable, it changed under us: ask again.
      if (row.expired) continue;
      if (!row.same_body) return { status: "conflict" };
      if (row.status === "completed") return { status: "completed" };
      const retryAfterMs = Number(row.retry_ms);
      if (retryAfterMs > 0) return { status: "in-progress", retryAfterMs };
    }
    throw storeUnavailable("postgres", "claim", new Error(`the record kept changing during ${MAX_CLAIM_ATTEMPTS} attempts`));
  };

  /** Runs a shared statement; true when it touched exactly one row. */
  const one = async (operation: string, on: PgQueryable, statement: Statement, values: unknown[]) =>
    ((await run(operation, on, statement.text, bind(statement, values))).rowCount ?? 0) === 1;

  const completeOn = (on: PgQueryable, key: string, token: string) =>
    one("complete", on, statements.complete, [key, token, settings.ttlMs]);

  const release = (key: string, token: string) => one("release", db, statements.release, [key, token]);
  const migrate = async () => {
    await run("migrate", db, sql.migrate);
  };

  const checkout = async (): Promise<{ tx: PgQueryable; done: (err?: Error) => void }> => {
    if (!isPool(db)) return { tx: db, done: () => {} };
    const pending = db.connect();
    try {
      const client = await guard("postgres", "connect", timeoutMs, () => pending, hint);
      // pg emits "error" on a checked-out client whose connection dies; with no listener
      // that would crash the process. The failing query rejects anyway, so only remember it.
      let lost: Error | undefined;
      const onError = (err: Error) => {
        lost = err;
      };
      const events = client as unknown as {
        on?: (event: "error", listener: (err: Error) => void) => unknown;
        off?: (event: "error", listener: (err: Error) => void) => unknown;
      };
      events.on?.call(client, "error", onError);
      return {
        tx: client,
        done: (err) => {
          events.off?.call(client, "error", onError);
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
    settings,
    table: t.main,
    claim,
    complete: (key, token) => completeOn(db, key, token),
    release,
    renew: (key, token) => one("renew", db, statements.renew, [key, token, settings.leaseMs, settings.ttlMs]),
    completeInTransaction: completeOn,
    migrate,
    ensureTable: migrate,
    async purgeExpired(purgeOptions = {}) {
      const limit = purgeLimit("postgres", purgeOptions.limit);
      const events =
        limit === undefined
          ? (await run("purgeExpired", db, statements.purge.text)).rowCount ?? 0
          : (await run("purgeExpired", db, statements.purgeSome.text, [limit])).rowCount ?? 0;
      if (limit !== undefined && events >= limit) return events;
      try {
        const purged =
          limit === undefined
            ? await entities("purgeExpired", statements.purgeEntities, [])
            : await entities("purgeExpired", statements.purgeEntitiesSome, [limit - events]);
        return events + (purged.rowCount ?? 0);
      } catch (err) {
        // A schema from 0.1.0 (no ordering table yet) still purges its event records.
        if (isUndefinedTable((err as { cause?: unknown }).cause)) return events;
        throw err;
      }
    },
    async claimEntity(key, position) {
      const token = newOwnerToken();
      const { rows } = await entities("claimEntity", statements.claimEntity, [
        key,
        token,
        orderValue(position),
        position.eventId,
        settings.leaseMs,
        settings.ttlMs,
      ]);
      return entityClaimResultOf("postgres", rows[0] as EntityClaimRow | undefined, token);
    },
    async renewEntity(key, token) {
      const result = await entities("renewEntity", statements.renewEntity, [key, token, settings.leaseMs, settings.ttlMs]);
      return (result.rowCount ?? 0) === 1;
    },
    async releaseEntity(key, token, applied) {
      const order = orderValue(applied);
      const { rows } = await entities("releaseEntity", statements.releaseEntity, [
        key,
        token,
        order,
        order === null ? null : applied!.eventId,
        settings.ttlMs,
      ]);
      return (rows[0] as { held?: boolean } | undefined)?.held === true;
    },
    async park(delivery) {
      await parked("park", statements.park, parkValues(delivery));
    },
    async listParked(listOptions = {}) {
      const limit = listLimit("postgres", listOptions.limit);
      if (limit === 0) return [];
      const { rows } =
        limit === undefined
          ? await parked("listParked", statements.listParked, [])
          : await parked("listParked", statements.listParkedSome, [limit]);
      return (rows as ParkedRow[]).map(parkedOf);
    },
    async unpark(key) {
      return ((await parked("unpark", statements.unpark, [key])).rowCount ?? 0) === 1;
    },
    async withTransaction<T, Tx extends PgQueryable = PgQueryable>(
      key: string,
      claimOptions: ClaimOptions,
      fn: (tx: Tx) => Promise<T>,
    ): Promise<TransactionResult<T>> {
      const claimed = await claim(key, claimOptions);
      if (claimed.status !== "claimed") return claimed;
      let connection: Awaited<ReturnType<typeof checkout>>;
      try {
        connection = await checkout();
      } catch (err) {
        await release(key, claimed.token).catch(() => false);
        throw err;
      }
      const { tx, done } = connection;
      let began = false;
      try {
        await run("begin", tx, "BEGIN");
        began = true;
        const value = await fn(tx as Tx);
        if (!(await completeOn(tx, key, claimed.token))) {
          throw new WebhookError(
            "IN_PROGRESS",
            `The lease on ${JSON.stringify(key)} lapsed and another delivery took it over before this transaction ` +
              `committed; it was rolled back. Raise leaseMs above your longest transaction.`,
          );
        }
        await run("commit", tx, "COMMIT");
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
        await release(key, claimed.token).catch(() => false);
        throw err;
      }
    },
  };
}

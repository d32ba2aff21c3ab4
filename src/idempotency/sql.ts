// The SQL stores (PostgreSQL, SQLite, Cloudflare D1): their statements, schemas and the methods
// they share. Over 200 lines: every statement of three stores, kept together so the dialects stay in step.
//
// Templates use `$n` placeholders and dialect words: NOW (the database clock), LATER($n) (NOW plus $n ms),
// UNTIL(column), MS(column) (as epoch ms), UPTO($n) (LIMIT $n, no limit when NULL), COLLATE_C and SKIP_LOCKED.
// PostgreSQL keeps `$n` and `timestamptz`; SQLite and D1 store epoch ms and get `?` placeholders bound in
// order of appearance (D1 has no named parameters, better-sqlite3 does not bind `?NNN` from a list).

import { listLimit, newOwnerToken, orderValue, purgeLimit, storeUnavailable } from "./settings.js";
import type { ClaimResult, EntityClaimResult, IdempotencyStore, ParkedDelivery, StoreSettings } from "./store.js";

/** A statement ready for a driver: its text, and which value (1-based) each placeholder takes. */
export interface Statement {
  text: string;
  order: readonly number[];
}

/** The values of `statement`'s placeholders, in placeholder order. */
export function bind(statement: Statement, values: readonly unknown[]): unknown[] {
  return statement.order.map((n) => values[n - 1]);
}

const postgres = {
  // clock_timestamp(), not now(): inside the user's transaction (completeInTransaction)
  // now() is the transaction's start, which would shorten the record's life.
  now: "clock_timestamp()",
  later: (param: string) => `(clock_timestamp() + ${param}::float8 * interval '1 millisecond')`,
  // Milliseconds from the database clock until `column` (negative once past).
  until: (column: string) => `floor(extract(epoch from (${column} - clock_timestamp())) * 1000)::float8`,
  ms: (column: string) => `floor(extract(epoch from ${column}) * 1000)::float8`,
  upTo: (param: string) => `LIMIT ${param}`,
  // Byte-wise text comparison; SQLite's default (BINARY) already is.
  collateC: ' COLLATE "C"',
  // Concurrent purges from several instances split the work.
  skipLocked: " FOR UPDATE SKIP LOCKED",
  placeholders: (text: string): Statement => {
    const count = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    return { text, order: Array.from({ length: count }, (_, i) => i + 1) };
  },
};
type Dialect = typeof postgres;

// julianday('now') is fixed for the duration of one statement, so every NOW in a statement
// is one reading. Epoch milliseconds, rounded (julianday is a double).
const SQLITE_NOW = "CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";
const sqlite: Dialect = {
  now: SQLITE_NOW,
  later: (param) => `(${SQLITE_NOW} + ${param})`,
  until: (column) => `(${column} - ${SQLITE_NOW})`,
  ms: (column) => column,
  upTo: (param) => `LIMIT coalesce(${param}, -1)`,
  collateC: "",
  skipLocked: "",
  placeholders: (text) => {
    const order: number[] = [];
    return {
      text: text.replace(/\$(\d+)/g, (_, n: string) => {
        order.push(Number(n));
        return "?";
      }),
      order,
    };
  },
};

function compile(dialect: Dialect, template: string): Statement {
  const text = template
    .replace(/UNTIL\((\w+)\)/g, (_, column: string) => dialect.until(column))
    .replace(/MS\((\w+)\)/g, (_, column: string) => dialect.ms(column))
    .replace(/ COLLATE_C\b/g, dialect.collateC)
    .replace(/ SKIP_LOCKED\b/g, dialect.skipLocked)
    .replace(/LATER\((\$\d+)\)/g, (_, param: string) => dialect.later(param))
    .replace(/UPTO\((\$\d+)\)/g, (_, param: string) => dialect.upTo(param))
    .replace(/\bNOW\b/g, dialect.now);
  return dialect.placeholders(text);
}

// When a claim may take a key that has a record `r`: the record expired, or it is in progress with a lapsed
// lease and the same body (a crashed owner). It compares against `excluded.claimed_at`, the claim's clock reading.
const TAKE = `(r.expires_at <= excluded.claimed_at OR (r.status = 'in-progress' AND r.lease_expires_at <= excluded.claimed_at AND r.body_hash = excluded.body_hash))`;

/** The quoted names of one store's tables and indexes. */
export type TableNames = ReturnType<typeof tableNames>;

/**
 * Validates a table name (`schema.table` too when `qualified`; checked here and double-quoted in SQL, no injection)
 * and names the event table, `<table>_entities` (ordering) and `<table>_parked` (parking). A name past PostgreSQL's
 * 63 characters is cut before its suffix, so the tables stay distinct.
 */
export function tableNames(storeName: string, table: unknown, qualified: boolean) {
  const parts = typeof table === "string" ? table.split(".") : [];
  if (parts.length < 1 || parts.length > (qualified ? 2 : 1) || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new TypeError(
      `${storeName} store: table must be an identifier like "agentref_webhook_idempotency"` +
        (qualified ? ` or "schema.table"` : "") +
        ` (letters, digits and underscores, not starting with a digit, at most 63 characters` +
        (qualified ? " each" : "") +
        `); got ${JSON.stringify(table)}.`,
    );
  }
  const last = parts[parts.length - 1]!;
  const schema = parts.slice(0, -1);
  const suffixed = (suffix: string) => `${last.slice(0, 63 - suffix.length)}${suffix}`;
  const quoted = (name: string) => [...schema, name].map((p) => `"${p}"`).join(".");
  return {
    main: quoted(last),
    mainIndex: `"${suffixed("_expires_at_idx")}"`,
    entities: quoted(suffixed("_entities")),
    entitiesIndex: `"${suffixed("_entities_expires_at_idx")}"`,
    parked: quoted(suffixed("_parked")),
    parkedIndex: `"${suffixed("_parked_at_idx")}"`,
  };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

// Ordering: one row per entity in `<table>_entities`. owner_token / lease_expires_at are the
// lock (NULL when free), applied_order / applied_event_id the latest applied event, and
// updated_at the statement's clock reading (what `excluded.updated_at` compares with).
// The claim's conditions, on the existing row `r` ($3 order, NULL when undefined; $4 event id):
const ENTITY_EXPIRED = `r.expires_at <= excluded.updated_at`;
const ORDER = `CAST($3 AS double precision)`;
const staleOn = (row: string) =>
  `(${ORDER} IS NOT NULL AND ${row}applied_order IS NOT NULL AND (${ORDER} < ${row}applied_order OR ` +
  `(${ORDER} = ${row}applied_order AND ${row}applied_event_id = CAST($4 AS text) COLLATE_C)))`;
// Take the lock when the row expired (then it is absent: its applied position goes too), or
// when the event is not stale and the lock is free or its lease lapsed.
const ENTITY_TAKE = `(${ENTITY_EXPIRED} OR (NOT ${staleOn("r.")} AND (r.owner_token IS NULL OR r.lease_expires_at <= excluded.updated_at)))`;
// Recording an applied position keeps the stored one when it is live and larger.
const KEEP_APPLIED = `(r.expires_at > excluded.updated_at AND r.applied_order > excluded.applied_order)`;
// The PostgreSQL releaseEntity records the position when one is given and no live larger one is stored.
const RECORD = `(excluded.applied_order IS NOT NULL AND NOT coalesce(${KEEP_APPLIED}, false))`;

function templates(names: TableNames) {
  const { main: t, entities: e, parked: p } = names;
  // An upsert that always returns the row: rewritten with our values when `when` holds, else unchanged.
  const upsertIf = (when: string) => (column: string, value: string) =>
    `${column} = CASE WHEN ${when} THEN ${value} ELSE r.${column} END`;
  const keep = upsertIf(TAKE);
  const take = upsertIf(ENTITY_TAKE);
  const parkedColumns = "key, provider, event_id, type, body, reason, parked_at_ms";
  const asDelivery = `key, provider, event_id AS "eventId", type, body, parked_at_ms AS "parkedAt", reason`;
  // $1 limit
  const purge = (table: string) =>
    `DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE expires_at <= NOW ORDER BY expires_at UPTO($1) SKIP_LOCKED)`;
  return {
    // $1 key, $2 owner token, $3 body hash, $4 leaseMs, $5 ttlMs. One statement, atomic: the upsert
    // locks the row (SQLite: the database) before it reads it, and returns the record after it,
    // ours when owner_token is $2. A duplicate thus costs one rewrite rather than a second statement.
    claim: `INSERT INTO ${t} AS r (key, status, owner_token, body_hash, claimed_at, lease_expires_at, expires_at)
VALUES ($1, 'in-progress', $2, $3, NOW, LATER($4), LATER($5))
ON CONFLICT (key) DO UPDATE SET
  ${keep("status", "'in-progress'")},
  ${keep("owner_token", "excluded.owner_token")},
  ${keep("body_hash", "excluded.body_hash")},
  ${keep("claimed_at", "excluded.claimed_at")},
  ${keep("lease_expires_at", "excluded.lease_expires_at")},
  ${keep("expires_at", "excluded.expires_at")},
  ${keep("completed_at", "NULL")}
RETURNING owner_token, status, body_hash = $3 AS same_body, MS(lease_expires_at) AS lease_at_ms, UNTIL(lease_expires_at) AS retry_ms`,
    // $1 key, $2 owner token, $3 ttlMs
    complete: `UPDATE ${t} SET status = 'completed', completed_at = NOW, expires_at = LATER($3)
WHERE key = $1 AND owner_token = $2 AND expires_at > NOW`,
    // $1 key, $2 owner token
    release: `DELETE FROM ${t}
WHERE key = $1 AND owner_token = $2 AND status = 'in-progress' AND expires_at > NOW`,
    // $1 key, $2 owner token, $3 leaseMs, $4 ttlMs. The record's life restarts too, so a long claim never outlives it.
    renew: `UPDATE ${t} SET lease_expires_at = LATER($3), expires_at = LATER($4)
WHERE key = $1 AND owner_token = $2 AND status = 'in-progress' AND expires_at > NOW`,
    purge: purge(t),
    // $1 key, $2 token, $3 order (NULL: none), $4 event id, $5 leaseMs, $6 ttlMs. Always returns
    // the row after it, as the claim does: ours when owner_token is $2, else `stale` or a live lock.
    claimEntity: `INSERT INTO ${e} AS r (key, owner_token, lease_expires_at, applied_order, applied_event_id, updated_at, expires_at)
VALUES ($1, $2, LATER($5), NULL, NULL, NOW, LATER($6))
ON CONFLICT (key) DO UPDATE SET
  ${take("owner_token", "excluded.owner_token")},
  ${take("lease_expires_at", "excluded.lease_expires_at")},
  applied_order = CASE WHEN ${ENTITY_EXPIRED} THEN NULL ELSE r.applied_order END,
  applied_event_id = CASE WHEN ${ENTITY_EXPIRED} THEN NULL ELSE r.applied_event_id END,
  ${take("updated_at", "excluded.updated_at")},
  ${take("expires_at", "excluded.expires_at")}
RETURNING owner_token, CASE WHEN ${staleOn("")} THEN 1 ELSE 0 END AS stale, UNTIL(lease_expires_at) AS retry_ms`,
    // $1 key, $2 token, $3 leaseMs, $4 ttlMs
    renewEntity: `UPDATE ${e} SET lease_expires_at = LATER($3), expires_at = LATER($4), updated_at = NOW
WHERE key = $1 AND owner_token = $2 AND expires_at > NOW`,
    // releaseEntity's steps (PostgreSQL: one statement, below). $1 key, $2 order, $3 event id,
    // $4 ttlMs: record the applied position (creating the row; an expired row starts afresh, no lock).
    recordApplied: `INSERT INTO ${e} AS r (key, owner_token, lease_expires_at, applied_order, applied_event_id, updated_at, expires_at)
VALUES ($1, NULL, NULL, CAST($2 AS double precision), CAST($3 AS text), NOW, LATER($4))
ON CONFLICT (key) DO UPDATE SET
  owner_token = CASE WHEN ${ENTITY_EXPIRED} THEN NULL ELSE r.owner_token END,
  lease_expires_at = CASE WHEN ${ENTITY_EXPIRED} THEN NULL ELSE r.lease_expires_at END,
  applied_order = CASE WHEN ${KEEP_APPLIED} THEN r.applied_order ELSE excluded.applied_order END,
  applied_event_id = CASE WHEN ${KEEP_APPLIED} THEN r.applied_event_id ELSE excluded.applied_event_id END,
  updated_at = CASE WHEN ${KEEP_APPLIED} THEN r.updated_at ELSE excluded.updated_at END,
  expires_at = CASE WHEN ${KEEP_APPLIED} THEN r.expires_at ELSE excluded.expires_at END`,
    // $1 key, $2 token
    releaseLock: `UPDATE ${e} SET owner_token = NULL, lease_expires_at = NULL
WHERE key = $1 AND owner_token = $2 AND expires_at > NOW`,
    // $1 key: a row with neither a lock nor an applied position says nothing.
    dropEmpty: `DELETE FROM ${e} WHERE key = $1 AND owner_token IS NULL AND applied_order IS NULL`,
    // $1 key, $2 token, $3 order (NULL: record nothing), $4 event id, $5 ttlMs. `prev` locks the
    // row FOR UPDATE (re-reading its latest version), so `held` is exact; the upsert then records
    // the applied position (as recordApplied does) and clears the lock if $2 held it.
    releaseEntity: `WITH prev AS (
  SELECT p.owner_token = $2::text AND p.expires_at > NOW AS held FROM ${e} p WHERE p.key = $1::text FOR UPDATE
), rec AS (
  INSERT INTO ${e} AS r (key, owner_token, lease_expires_at, applied_order, applied_event_id, updated_at, expires_at)
  SELECT $1::text, NULL, NULL, CAST($3 AS double precision), CAST($4 AS text), c.ts, c.ts + $5::float8 * interval '1 millisecond'
  FROM (SELECT NOW AS ts) c
  WHERE CAST($3 AS double precision) IS NOT NULL OR EXISTS (SELECT 1 FROM prev WHERE held)
  ON CONFLICT (key) DO UPDATE SET
    owner_token = CASE WHEN ${ENTITY_EXPIRED} OR r.owner_token = $2::text THEN NULL ELSE r.owner_token END,
    lease_expires_at = CASE WHEN ${ENTITY_EXPIRED} OR r.owner_token = $2::text THEN NULL ELSE r.lease_expires_at END,
    applied_order = CASE WHEN ${RECORD} THEN excluded.applied_order WHEN ${ENTITY_EXPIRED} THEN NULL ELSE r.applied_order END,
    applied_event_id = CASE WHEN ${RECORD} THEN excluded.applied_event_id WHEN ${ENTITY_EXPIRED} THEN NULL ELSE r.applied_event_id END,
    updated_at = CASE WHEN ${RECORD} THEN excluded.updated_at ELSE r.updated_at END,
    expires_at = CASE WHEN ${RECORD} THEN excluded.expires_at ELSE r.expires_at END
  RETURNING 1
)
SELECT coalesce((SELECT held FROM prev), false) AS held`,
    purgeEntities: purge(e),
    // $1 key … $7 parkedAt (epoch ms, as given). Parking again replaces the delivery.
    park: `INSERT INTO ${p} (${parkedColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (key) DO UPDATE SET provider = excluded.provider, event_id = excluded.event_id, type = excluded.type,
  body = excluded.body, reason = excluded.reason, parked_at_ms = excluded.parked_at_ms`,
    // $1 limit
    listParked: `SELECT ${asDelivery} FROM ${p} ORDER BY parked_at_ms, key COLLATE_C UPTO($1)`,
    // $1 key
    unpark: `DELETE FROM ${p} WHERE key = $1`,
  };
}

/** Every statement of a SQL store, compiled for its dialect. */
export type SqlStatements = Record<keyof ReturnType<typeof templates>, Statement>;

/** The statements of the PostgreSQL store, or of the SQLite and D1 stores (D1 is SQLite). */
export function sqlStatements(dialect: "postgres" | "sqlite", names: TableNames): SqlStatements {
  const d = dialect === "postgres" ? postgres : sqlite;
  return Object.fromEntries(Object.entries(templates(names)).map(([name, text]) => [name, compile(d, text)])) as SqlStatements;
}

/** The tables and indexes, one statement each (SQLite runs them one by one, D1 as a batch). */
export function sqlSchema(dialect: "postgres" | "sqlite", names: TableNames): string[] {
  const { main, entities, parked } = names;
  const pg = dialect === "postgres";
  const [time, c, key] = pg ? ["timestamptz", ' COLLATE "C"', "PRIMARY KEY"] : ["INTEGER", "", "PRIMARY KEY NOT NULL"];
  return [
    `CREATE TABLE IF NOT EXISTS ${main} (
  key              text        ${key},
  status           text        NOT NULL CHECK (status IN ('in-progress', 'completed')),
  owner_token      text        NOT NULL,
  body_hash        text        NOT NULL,
  claimed_at       ${time} NOT NULL,
  lease_expires_at ${time} NOT NULL,
  expires_at       ${time} NOT NULL,
  completed_at     ${time}
)`,
    `CREATE INDEX IF NOT EXISTS ${names.mainIndex} ON ${main} (expires_at)`,
    `CREATE TABLE IF NOT EXISTS ${entities} (
  key              text${c} ${key},
  owner_token      text${c},
  lease_expires_at ${time},
  applied_order    double precision,
  applied_event_id text${c},
  updated_at       ${time} NOT NULL,
  expires_at       ${time} NOT NULL
)`,
    `CREATE INDEX IF NOT EXISTS ${names.entitiesIndex} ON ${entities} (expires_at)`,
    `CREATE TABLE IF NOT EXISTS ${parked} (
  key              text${c} ${key},
  provider         text        NOT NULL,
  event_id         text        NOT NULL,
  type             text        NOT NULL,
  body             text        NOT NULL,
  reason           text        NOT NULL,
  parked_at_ms     double precision NOT NULL
)`,
    `CREATE INDEX IF NOT EXISTS ${names.parkedIndex} ON ${parked} (parked_at_ms, key)`,
  ];
}

type Step = [Statement, unknown[]];

/** How a SQL store reaches its database; `operation` names the call in `STORE_UNAVAILABLE` messages. */
export interface SqlRunner {
  rows(operation: string, statement: Statement, values: unknown[]): Promise<any[]>;
  /** How many rows each statement changed; several run as one unit (one call, or one batch). */
  changes(operation: string, steps: Step[]): Promise<number[]>;
}

/**
 * What the SQL stores add to the contract.
 * @example setInterval(() => store.purgeExpired({ limit: 10_000 }).catch(() => {}), 3600_000).unref();
 */
export interface SqlStore extends Required<IdempotencyStore> {
  /** Creates the tables and indexes if missing. Safe to run concurrently and repeatedly. */
  migrate(): Promise<void>;
  /** Deletes expired records (at most `limit`, oldest first) and returns how many. Parked deliveries never expire. */
  purgeExpired(options?: { limit?: number }): Promise<number>;
}

/** The methods of the SQL stores, on `runner`. */
export function sqlStore(name: string, settings: StoreSettings, s: SqlStatements, runner: SqlRunner): Omit<SqlStore, "migrate"> {
  const { leaseMs, ttlMs } = settings;
  const changes = async (operation: string, statement: Statement, values: unknown[]) =>
    (await runner.changes(operation, [[statement, values]]))[0]!;
  const one = async (operation: string, statement: Statement, values: unknown[]) =>
    (await changes(operation, statement, values)) === 1;
  // The claims' upserts return exactly one row.
  const row = async (operation: string, statement: Statement, values: unknown[]) => {
    const [first] = await runner.rows(operation, statement, values);
    if (first === undefined) throw storeUnavailable(name, operation, new Error(`the ${operation} statement returned no row`));
    return first;
  };

  return {
    settings,
    async claim(key, { bodyHash }): Promise<ClaimResult> {
      const token = newOwnerToken();
      const r = await row("claim", s.claim, [key, token, bodyHash, leaseMs, ttlMs]);
      if (r.owner_token === token) return { status: "claimed", token, leaseExpiresAt: Number(r.lease_at_ms) };
      if (!r.same_body) return { status: "conflict" };
      if (r.status === "completed") return { status: "completed" };
      return { status: "in-progress", retryAfterMs: Math.max(1, Number(r.retry_ms)) };
    },
    complete: (key, token) => one("complete", s.complete, [key, token, ttlMs]),
    release: (key, token) => one("release", s.release, [key, token]),
    renew: (key, token) => one("renew", s.renew, [key, token, leaseMs, ttlMs]),
    async claimEntity(key, position): Promise<EntityClaimResult> {
      const token = newOwnerToken();
      const r = await row("claimEntity", s.claimEntity, [key, token, orderValue(position), position.eventId, leaseMs, ttlMs]);
      if (r.owner_token === token) return { status: "claimed", token };
      if (Number(r.stale) === 1) return { status: "stale" };
      return { status: "in-progress", retryAfterMs: Math.max(1, Number(r.retry_ms)) };
    },
    renewEntity: (key, token) => one("renewEntity", s.renewEntity, [key, token, leaseMs, ttlMs]),
    async releaseEntity(key, token, applied) {
      const order = orderValue(applied);
      const lock: Step = [s.releaseLock, [key, token]];
      if (order === null) return (await runner.changes("releaseEntity", [lock, [s.dropEmpty, [key]]]))[0] === 1;
      const steps: Step[] = [[s.recordApplied, [key, order, applied!.eventId, ttlMs]], lock];
      return (await runner.changes("releaseEntity", steps))[1] === 1;
    },
    async park(d: ParkedDelivery) {
      await changes("park", s.park, [d.key, d.provider, d.eventId, d.type, d.body, d.reason, d.parkedAt]);
    },
    async listParked(options = {}) {
      const limit = listLimit(name, options.limit);
      if (limit === 0) return [];
      const rows = await runner.rows("listParked", s.listParked, [limit ?? null]);
      return rows.map((row) => ({ ...row, parkedAt: Number(row.parkedAt) }));
    },
    unpark: (key) => one("unpark", s.unpark, [key]),
    async purgeExpired(options = {}) {
      const limit = purgeLimit(name, options.limit);
      const events = await changes("purgeExpired", s.purge, [limit ?? null]);
      if (limit !== undefined && events >= limit) return events;
      return events + (await changes("purgeExpired", s.purgeEntities, [limit === undefined ? null : limit - events]));
    },
  };
}

// The statements of the SQL stores (PostgreSQL, SQLite, Cloudflare D1). Over 200 lines: it is
// every statement and schema of three stores, kept together so the dialects stay in step.
//
// Templates use `$n` placeholders and dialect words: NOW (the database clock, read once per
// statement), LATER($n) (NOW plus $n ms), UNTIL(column) and COLLATE_C. PostgreSQL keeps `$n`
// and `timestamptz`; SQLite and D1 store epoch ms and get `?` placeholders bound in order of
// appearance (D1 has no named parameters, better-sqlite3 does not bind `?NNN` from a list).

import { storeUnavailable } from "./settings.js";

/** A statement ready for a driver: its text, and which value (1-based) each placeholder takes. */
export interface Statement {
  text: string;
  order: readonly number[];
}

/** The values of `statement`'s placeholders, in placeholder order. */
export function bind(statement: Statement, values: readonly unknown[]): unknown[] {
  return statement.order.map((n) => values[n - 1]);
}

interface Dialect {
  now: string;
  later(param: string): string;
  /** Milliseconds from the database clock until `column` (negative once past). */
  until(column: string): string;
  /** Byte-wise text comparison: PostgreSQL's `COLLATE "C"`; SQLite's default (BINARY) already is. */
  collateC: string;
  placeholders(text: string): Statement;
}

const postgres: Dialect = {
  // clock_timestamp(), not now(): inside the user's transaction (completeInTransaction)
  // now() is the transaction's start, which would shorten the record's life.
  now: "clock_timestamp()",
  later: (param) => `(clock_timestamp() + ${param}::float8 * interval '1 millisecond')`,
  until: (column) => `floor(extract(epoch from (${column} - clock_timestamp())) * 1000)::float8`,
  collateC: ' COLLATE "C"',
  placeholders: (text) => {
    const count = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    return { text, order: Array.from({ length: count }, (_, i) => i + 1) };
  },
};

// julianday('now') is fixed for the duration of one statement, so every NOW in a statement
// is one reading. Epoch milliseconds, rounded (julianday is a double).
const SQLITE_NOW = "CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";
const sqlite: Dialect = {
  now: SQLITE_NOW,
  later: (param) => `(${SQLITE_NOW} + ${param})`,
  until: (column) => `(${column} - ${SQLITE_NOW})`,
  collateC: "",
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
    .replace(/ COLLATE_C\b/g, dialect.collateC)
    .replace(/LATER\((\$\d+)\)/g, (_, param: string) => dialect.later(param))
    .replace(/\bNOW\b/g, dialect.now);
  return dialect.placeholders(text);
}

// When a claim may take a key that has a record `r`: the record expired, or it is in
// progress with a lapsed lease and the same body (a crashed owner). Both dialects' claims
// compare against `excluded.claimed_at`, the one clock reading of the statement.
const TAKE = `(r.expires_at <= excluded.claimed_at OR (r.status = 'in-progress' AND r.lease_expires_at <= excluded.claimed_at AND r.body_hash = excluded.body_hash))`;

function compileAll<K extends string>(dialect: Dialect, templates: Record<K, string>): Record<K, Statement> {
  const entries = Object.entries(templates) as [K, string][];
  return Object.fromEntries(entries.map(([name, template]) => [name, compile(dialect, template)])) as Record<K, Statement>;
}

/** The statements every SQL store shares. */
function shared(names: TableNames) {
  const t = names.main;
  return {
    // $1 key, $2 owner token, $3 ttlMs
    complete: `UPDATE ${t} SET status = 'completed', completed_at = NOW, expires_at = LATER($3)
WHERE key = $1 AND owner_token = $2 AND expires_at > NOW`,
    // $1 key, $2 owner token
    release: `DELETE FROM ${t}
WHERE key = $1 AND owner_token = $2 AND status = 'in-progress' AND expires_at > NOW`,
    // $1 key, $2 owner token, $3 leaseMs, $4 ttlMs. A lapsed lease nobody took over is still
    // the owner's; the record's life restarts so a long claim never outlives it.
    renew: `UPDATE ${t} SET lease_expires_at = LATER($3), expires_at = LATER($4)
WHERE key = $1 AND owner_token = $2 AND status = 'in-progress' AND expires_at > NOW`,
    purge: `DELETE FROM ${t} WHERE expires_at <= NOW`,
  };
}

/**
 * The quoted names of one store's tables and indexes: the event table, `<table>_entities`
 * (ordering) and `<table>_parked` (parking). A name past PostgreSQL's 63 characters is cut
 * before its suffix, so the tables stay distinct.
 */
export interface TableNames {
  main: string;
  mainIndex: string;
  entities: string;
  entitiesIndex: string;
  parked: string;
  parkedIndex: string;
  /** Unquoted, for messages: `schema.table_entities`. */
  plain: { main: string; entities: string; parked: string };
}

/** Names for a table given as validated parts (`[table]` or `[schema, table]`). */
export function tableNames(parts: readonly string[]): TableNames {
  const last = parts[parts.length - 1]!;
  const schema = parts.slice(0, -1);
  const suffixed = (suffix: string) => `${last.slice(0, 63 - suffix.length)}${suffix}`;
  const qualified = (name: string) => [...schema, name].map((p) => `"${p}"`).join(".");
  const plain = (name: string) => [...schema, name].join(".");
  return {
    main: qualified(last),
    mainIndex: `"${suffixed("_expires_at_idx")}"`,
    entities: qualified(suffixed("_entities")),
    entitiesIndex: `"${suffixed("_entities_expires_at_idx")}"`,
    parked: qualified(suffixed("_parked")),
    parkedIndex: `"${suffixed("_parked_at_idx")}"`,
    plain: { main: plain(last), entities: plain(suffixed("_entities")), parked: plain(suffixed("_parked")) },
  };
}

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
// releaseEntity keeps the stored applied position when it is live and larger ($2 order).
const KEEP_APPLIED = `(r.expires_at > excluded.updated_at AND r.applied_order > excluded.applied_order)`;

/** The ordering and parking statements every SQL store shares. */
function sharedExtensions(names: TableNames) {
  const e = names.entities;
  const p = names.parked;
  const take = (column: string, value: string) => `${column} = CASE WHEN ${ENTITY_TAKE} THEN ${value} ELSE r.${column} END`;
  const parkedColumns = "key, provider, event_id, type, body, reason, parked_at_ms";
  return {
    // $1 key, $2 token, $3 order (NULL: none), $4 event id, $5 leaseMs, $6 ttlMs. Always returns
    // the row after it: ours when owner_token is $2, else `stale` or a live lock. A row it does
    // not take is rewritten unchanged, as in the SQLite claim.
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
    // $1 key, $2 order, $3 event id, $4 ttlMs: record the applied position unless a live larger one
    // is stored; creates the row when absent, and an expired row starts afresh (no lock).
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
    purgeEntities: `DELETE FROM ${e} WHERE expires_at <= NOW`,
    // $1 key … $7 parkedAt (epoch ms, as given). Parking again replaces the delivery.
    park: `INSERT INTO ${p} (${parkedColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (key) DO UPDATE SET provider = excluded.provider, event_id = excluded.event_id, type = excluded.type,
  body = excluded.body, reason = excluded.reason, parked_at_ms = excluded.parked_at_ms`,
    listParked: `SELECT ${parkedColumns} FROM ${p} ORDER BY parked_at_ms, key COLLATE_C`,
    // $1 limit
    listParkedSome: `SELECT ${parkedColumns} FROM ${p} ORDER BY parked_at_ms, key COLLATE_C LIMIT $1`,
    // $1 key
    unpark: `DELETE FROM ${p} WHERE key = $1`,
  };
}

/** What the entity claim returns: the row after it. Ours when `owner_token` is our token. */
export interface EntityClaimRow {
  owner_token: string | null;
  stale: number | boolean;
  retry_ms: number | null;
}

/** Reads an entity claim row into a claim result. */
export function entityClaimResultOf(storeName: string, row: EntityClaimRow | undefined, token: string) {
  if (row === undefined) throw storeUnavailable(storeName, "claimEntity", new Error("the entity claim returned no row"));
  if (row.owner_token === token) return { status: "claimed", token } as const;
  if (Number(row.stale) === 1 || row.stale === true) return { status: "stale" } as const;
  return { status: "in-progress", retryAfterMs: Math.max(1, Number(row.retry_ms)) } as const;
}

/** A parked row as the SQL stores return it. */
export interface ParkedRow {
  key: string;
  provider: string;
  event_id: string;
  type: string;
  body: string;
  reason: string;
  parked_at_ms: number | string;
}

/** A parked row as a `ParkedDelivery`. */
export function parkedOf(row: ParkedRow) {
  return {
    key: row.key,
    provider: row.provider,
    eventId: row.event_id,
    type: row.type,
    body: row.body,
    parkedAt: Number(row.parked_at_ms),
    reason: row.reason,
  };
}

/** The values of `park` in statement order ($1 … $7). */
export function parkValues(d: { key: string; provider: string; eventId: string; type: string; body: string; reason: string; parkedAt: number }): unknown[] {
  return [d.key, d.provider, d.eventId, d.type, d.body, d.reason, d.parkedAt];
}

/** The PostgreSQL store's statements (except its claim, {@link postgresClaim}). */
export function postgresStatements(names: TableNames) {
  const t = names.main;
  const e = names.entities;
  return {
    ...compileAll(postgres, { ...shared(names), ...sharedExtensions(names) }),
    // $1 limit. SKIP LOCKED: concurrent purges from several instances split the work.
    purgeSome: compile(
      postgres,
      `DELETE FROM ${t} WHERE key IN (
  SELECT key FROM ${t} WHERE expires_at <= NOW ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
    ),
    // $1 key, $2 token, $3 order (NULL: record nothing), $4 event id, $5 ttlMs. `prev` locks the
    // row FOR UPDATE (re-reading its latest version), so `held` is exact; the upsert then records
    // the applied position (as recordApplied does) and clears the lock if $2 held it.
    releaseEntity: compile(
      postgres,
      `WITH prev AS (
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
    ),
    // $1 limit
    purgeEntitiesSome: compile(
      postgres,
      `DELETE FROM ${e} WHERE key IN (
  SELECT key FROM ${e} WHERE expires_at <= NOW ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
    ),
  };
}

// releaseEntity (PostgreSQL) records the position when one is given and no live larger one is stored.
const RECORD = `(excluded.applied_order IS NOT NULL AND NOT coalesce(${KEEP_APPLIED}, false))`;

/** The PostgreSQL tables and indexes (`postgresSchemaSql`, `migrate()`). */
export function postgresSchema(names: TableNames): string {
  return `CREATE TABLE IF NOT EXISTS ${names.main} (
  key              text        PRIMARY KEY,
  status           text        NOT NULL CHECK (status IN ('in-progress', 'completed')),
  owner_token      text        NOT NULL,
  body_hash        text        NOT NULL,
  claimed_at       timestamptz NOT NULL,
  lease_expires_at timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  completed_at     timestamptz
);
CREATE INDEX IF NOT EXISTS ${names.mainIndex} ON ${names.main} (expires_at);
CREATE TABLE IF NOT EXISTS ${names.entities} (
  key              text COLLATE "C" PRIMARY KEY,
  owner_token      text COLLATE "C",
  lease_expires_at timestamptz,
  applied_order    double precision,
  applied_event_id text COLLATE "C",
  updated_at       timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ${names.entitiesIndex} ON ${names.entities} (expires_at);
CREATE TABLE IF NOT EXISTS ${names.parked} (
  key              text COLLATE "C" PRIMARY KEY,
  provider         text        NOT NULL,
  event_id         text        NOT NULL,
  type             text        NOT NULL,
  body             text        NOT NULL,
  reason           text        NOT NULL,
  parked_at_ms     double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS ${names.parkedIndex} ON ${names.parked} (parked_at_ms, key);
`;
}

const MS = (column: string) => `floor(extract(epoch from ${column}) * 1000)::float8`;

/**
 * The PostgreSQL claim: $1 key, $2 owner token, $3 body hash, $4 leaseMs, $5 ttlMs. The upsert
 * takes the key when {@link TAKE} holds and rewrites nothing otherwise; then the second SELECT
 * reports the row as of the snapshot (no row: a concurrent first claim committed, ask again).
 */
export function postgresClaim(t: string): string {
  return `WITH claimed AS (
  INSERT INTO ${t} AS r (key, status, owner_token, body_hash, claimed_at, lease_expires_at, expires_at)
  SELECT $1::text, 'in-progress', $2::text, $3::text, c.ts,
         c.ts + $4::float8 * interval '1 millisecond', c.ts + $5::float8 * interval '1 millisecond'
  FROM (SELECT clock_timestamp() AS ts) c
  ON CONFLICT (key) DO UPDATE SET
    status = 'in-progress', owner_token = excluded.owner_token, body_hash = excluded.body_hash,
    claimed_at = excluded.claimed_at, lease_expires_at = excluded.lease_expires_at,
    expires_at = excluded.expires_at, completed_at = NULL
  WHERE ${TAKE}
  RETURNING r.lease_expires_at
)
SELECT 'claimed' AS outcome, NULL::text AS status, true AS same_body, false AS expired,
       ${MS("lease_expires_at")} AS lease_at_ms, NULL::float8 AS retry_ms
FROM claimed
UNION ALL
SELECT 'existing', e.status, e.body_hash = $3::text, e.expires_at <= clock_timestamp(),
       NULL::float8, ${MS("(e.lease_expires_at - clock_timestamp())")}
FROM ${t} e
WHERE e.key = $1::text AND NOT EXISTS (SELECT 1 FROM claimed)`;
}

/** What the SQLite/D1 claim returns: exactly one row, the record after it. */
export interface SqliteClaimRow {
  owner_token: string;
  status: "in-progress" | "completed";
  same_body: number | boolean;
  lease_expires_at: number;
  retry_ms: number;
}

/** The statements of the SQLite and D1 stores (D1 is SQLite). */
export function sqliteStatements(names: TableNames) {
  const t = names.main;
  const e = names.entities;
  // One statement, atomic: a write takes SQLite's write lock before it reads, so concurrent
  // claims are serialized. The upsert always returns the row, rewritten with our token when
  // {@link TAKE} holds and unchanged otherwise (SQLite has no data-modifying CTE). A duplicate
  // thus costs one rewrite (~1 ms measured) rather than a second statement.
  const keep = (column: string, value: string) => `${column} = CASE WHEN ${TAKE} THEN ${value} ELSE r.${column} END`;
  return {
    // recordApplied, releaseLock and dropEmpty are releaseEntity's steps (D1 sends them as one batch).
    ...compileAll(sqlite, { ...shared(names), ...sharedExtensions(names) }),
    // $1 key, $2 owner token, $3 body hash, $4 leaseMs, $5 ttlMs
    claim: compile(
      sqlite,
      `INSERT INTO ${t} AS r (key, status, owner_token, body_hash, claimed_at, lease_expires_at, expires_at)
VALUES ($1, 'in-progress', $2, $3, NOW, LATER($4), LATER($5))
ON CONFLICT (key) DO UPDATE SET
  ${keep("status", "'in-progress'")},
  ${keep("owner_token", "excluded.owner_token")},
  ${keep("body_hash", "excluded.body_hash")},
  ${keep("claimed_at", "excluded.claimed_at")},
  ${keep("lease_expires_at", "excluded.lease_expires_at")},
  ${keep("expires_at", "excluded.expires_at")},
  ${keep("completed_at", "NULL")}
RETURNING owner_token, status, body_hash = $3 AS same_body, lease_expires_at, lease_expires_at - NOW AS retry_ms`,
    ),
    // $1 limit
    purgeSome: compile(
      sqlite,
      `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE expires_at <= NOW ORDER BY expires_at LIMIT $1)`,
    ),
    // $1 limit
    purgeEntitiesSome: compile(
      sqlite,
      `DELETE FROM ${e} WHERE key IN (SELECT key FROM ${e} WHERE expires_at <= NOW ORDER BY expires_at LIMIT $1)`,
    ),
  };
}

/** The SQLite/D1 tables and indexes, one statement each (D1's batch takes a list). */
export function sqliteSchema(names: TableNames): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${names.main} (
  key              TEXT    PRIMARY KEY NOT NULL,
  status           TEXT    NOT NULL CHECK (status IN ('in-progress', 'completed')),
  owner_token      TEXT    NOT NULL,
  body_hash        TEXT    NOT NULL,
  claimed_at       INTEGER NOT NULL,
  lease_expires_at INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  completed_at     INTEGER
)`,
    `CREATE INDEX IF NOT EXISTS ${names.mainIndex} ON ${names.main} (expires_at)`,
    `CREATE TABLE IF NOT EXISTS ${names.entities} (
  key              TEXT    PRIMARY KEY NOT NULL,
  owner_token      TEXT,
  lease_expires_at INTEGER,
  applied_order    REAL,
  applied_event_id TEXT,
  updated_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL
)`,
    `CREATE INDEX IF NOT EXISTS ${names.entitiesIndex} ON ${names.entities} (expires_at)`,
    `CREATE TABLE IF NOT EXISTS ${names.parked} (
  key              TEXT    PRIMARY KEY NOT NULL,
  provider         TEXT    NOT NULL,
  event_id         TEXT    NOT NULL,
  type             TEXT    NOT NULL,
  body             TEXT    NOT NULL,
  reason           TEXT    NOT NULL,
  parked_at_ms     REAL    NOT NULL
)`,
    `CREATE INDEX IF NOT EXISTS ${names.parkedIndex} ON ${names.parked} (parked_at_ms, key)`,
  ];
}

/** Reads a SQLite/D1 claim row into a claim result. */
export function claimResultOf(storeName: string, row: SqliteClaimRow | undefined, token: string) {
  if (row === undefined) throw storeUnavailable(storeName, "claim", new Error("the claim statement returned no row"));
  if (row.owner_token === token) return { status: "claimed", token, leaseExpiresAt: Number(row.lease_expires_at) } as const;
  if (!row.same_body) return { status: "conflict" } as const;
  if (row.status === "completed") return { status: "completed" } as const;
  return { status: "in-progress", retryAfterMs: Math.max(1, Number(row.retry_ms)) } as const;
}

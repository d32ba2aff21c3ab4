// The statements of the SQL stores (PostgreSQL, SQLite, Cloudflare D1), written once.
//
// Every statement is written with `$1`-style placeholders and two dialect words: NOW (the
// database clock, read once per statement) and LATER($n) (that clock plus $n milliseconds).
// PostgreSQL keeps `$n` and stores `timestamptz`; SQLite and D1 store epoch milliseconds as
// INTEGER and get `?` placeholders, bound in the order they appear (D1 has no named
// parameters, and better-sqlite3 does not bind numbered `?NNN` from a list). Where the dialects
// agree (complete, release, renew, purge, and when a claim may take a key) there is one
// template; the claim statement, the bounded purge and the schema are written once per dialect.

import { storeUnavailable } from "./settings.js";

/**
 * A statement ready for a driver: its text, and which value (1-based) each placeholder takes.
 *
 * @example
 * const { text, order } = sqliteStatements('"t"').release; // order: [1, 2]
 */
export interface Statement {
  text: string;
  order: readonly number[];
}

/**
 * The values of `statement`'s placeholders, in placeholder order.
 *
 * @example
 * bind(statements.renew, [key, token, leaseMs, ttlMs]);
 */
export function bind(statement: Statement, values: readonly unknown[]): unknown[] {
  return statement.order.map((n) => values[n - 1]);
}

interface Dialect {
  now: string;
  later(param: string): string;
  placeholders(text: string): Statement;
}

const postgres: Dialect = {
  // clock_timestamp(), not now(): inside the user's transaction (completeInTransaction)
  // now() is the transaction's start, which would shorten the record's life.
  now: "clock_timestamp()",
  later: (param) => `(clock_timestamp() + ${param}::float8 * interval '1 millisecond')`,
  // `$n` is positional in PostgreSQL: values go in their own order, $1 first.
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
    .replace(/LATER\((\$\d+)\)/g, (_, param: string) => dialect.later(param))
    .replace(/\bNOW\b/g, dialect.now);
  return dialect.placeholders(text);
}

// When a claim may take a key that has a record `r`: the record expired, or it is in
// progress with a lapsed lease and the same body (a crashed owner). Both dialects' claims
// compare against `excluded.claimed_at`, the one clock reading of the statement.
const TAKE = `(r.expires_at <= excluded.claimed_at OR (r.status = 'in-progress' AND r.lease_expires_at <= excluded.claimed_at AND r.body_hash = excluded.body_hash))`;

/** The statements every SQL store shares. `t` is the quoted table name. */
function shared(t: string) {
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
 * The PostgreSQL store's shared statements (its claim and schema live in postgres.ts).
 *
 * @example
 * const { complete } = postgresStatements('"agentref_webhook_idempotency"');
 * await pool.query(complete.text, bind(complete, [key, token, ttlMs]));
 */
export function postgresStatements(t: string) {
  const s = shared(t);
  return {
    complete: compile(postgres, s.complete),
    release: compile(postgres, s.release),
    renew: compile(postgres, s.renew),
    purge: compile(postgres, s.purge),
    // $1 limit. SKIP LOCKED: concurrent purges from several instances split the work.
    purgeSome: compile(
      postgres,
      `DELETE FROM ${t} WHERE key IN (
  SELECT key FROM ${t} WHERE expires_at <= NOW ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
    ),
  };
}

/**
 * The PostgreSQL table and its expiry index (`postgresSchemaSql` and `migrate()` run it).
 * Times are `timestamptz` from the database clock.
 *
 * @example
 * await pool.query(postgresSchema('"agentref_webhook_idempotency"', '"agentref_webhook_idempotency_expires_at_idx"'));
 */
export function postgresSchema(quotedTable: string, quotedIndex: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quotedTable} (
  key              text        PRIMARY KEY,
  status           text        NOT NULL CHECK (status IN ('in-progress', 'completed')),
  owner_token      text        NOT NULL,
  body_hash        text        NOT NULL,
  claimed_at       timestamptz NOT NULL,
  lease_expires_at timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  completed_at     timestamptz
);
CREATE INDEX IF NOT EXISTS ${quotedIndex} ON ${quotedTable} (expires_at);
`;
}

const MS = (column: string) => `floor(extract(epoch from ${column}) * 1000)::float8`;

/**
 * The PostgreSQL claim: $1 key, $2 owner token, $3 body hash, $4 leaseMs, $5 ttlMs.
 *
 * One statement. The upsert takes the key when {@link TAKE} holds, and rewrites nothing
 * otherwise (a data-modifying CTE, which SQLite lacks). When it does not fire, the second
 * SELECT reports the row as of the statement's snapshot (no row: a concurrent first claim
 * committed after the snapshot, so the caller asks again).
 *
 * @example
 * const { rows } = await pool.query(postgresClaim('"t"'), [key, token, bodyHash, leaseMs, ttlMs]);
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

/**
 * What the SQLite/D1 claim returns: always exactly one row, the record after the statement.
 * The caller claimed it when `owner_token` is the token it passed.
 *
 * @example
 * const row = rows[0] as SqliteClaimRow;
 * if (row.owner_token === token) return { status: "claimed", token, leaseExpiresAt: row.lease_expires_at };
 */
export interface SqliteClaimRow {
  owner_token: string;
  status: "in-progress" | "completed";
  same_body: number | boolean;
  lease_expires_at: number;
  retry_ms: number;
}

/**
 * The statements of the SQLite and D1 stores (one dialect: D1 is SQLite).
 *
 * @example
 * const statements = sqliteStatements('"agentref_webhook_idempotency"');
 * db.prepare(statements.claim.text).all(...bind(statements.claim, [key, token, bodyHash, leaseMs, ttlMs]));
 */
export function sqliteStatements(t: string) {
  const s = shared(t);
  // One statement, atomic without an explicit transaction: a write statement takes SQLite's
  // write lock before it reads (waiting up to the busy timeout), so concurrent claims from
  // several processes are serialized. The upsert always returns the row: when the key may
  // be taken (absent, expired, or in progress with a lapsed lease and the same body) it is
  // rewritten with our token; otherwise every column keeps its value, and the caller reads
  // why from the row. (SQLite has no data-modifying CTE, so PostgreSQL's claim, which
  // avoids rewriting a row it does not take, cannot be shared.) The price: a duplicate
  // rewrites its row unchanged, one WAL page and one fsync (measured: ~1 ms on the bench
  // VM, which no sender notices); a read-first claim would cost a second statement instead.
  const keep = (column: string, value: string) => `${column} = CASE WHEN ${TAKE} THEN ${value} ELSE r.${column} END`;
  return {
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
    complete: compile(sqlite, s.complete),
    release: compile(sqlite, s.release),
    renew: compile(sqlite, s.renew),
    purge: compile(sqlite, s.purge),
    // $1 limit
    purgeSome: compile(
      sqlite,
      `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE expires_at <= NOW ORDER BY expires_at LIMIT $1)`,
    ),
  };
}

/**
 * The SQLite/D1 table and its expiry index, one statement each (D1's batch takes a list).
 * Times are epoch milliseconds from the database clock.
 *
 * @example
 * for (const statement of sqliteSchema("agentref_webhook_idempotency")) db.exec(statement);
 */
export function sqliteSchema(table: string): string[] {
  const index = `"${table.slice(0, 63 - "_expires_at_idx".length)}_expires_at_idx"`;
  return [
    `CREATE TABLE IF NOT EXISTS "${table}" (
  key              TEXT    PRIMARY KEY NOT NULL,
  status           TEXT    NOT NULL CHECK (status IN ('in-progress', 'completed')),
  owner_token      TEXT    NOT NULL,
  body_hash        TEXT    NOT NULL,
  claimed_at       INTEGER NOT NULL,
  lease_expires_at INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  completed_at     INTEGER
)`,
    `CREATE INDEX IF NOT EXISTS ${index} ON "${table}" (expires_at)`,
  ];
}

/**
 * Reads a SQLite/D1 claim row into a claim result.
 *
 * @example
 * const result = claimResultOf("sqlite", rows[0] as SqliteClaimRow | undefined, token);
 */
export function claimResultOf(storeName: string, row: SqliteClaimRow | undefined, token: string) {
  // The upsert always returns its row; anything else is a broken driver or database.
  if (row === undefined) throw storeUnavailable(storeName, "claim", new Error("the claim statement returned no row"));
  if (row.owner_token === token) return { status: "claimed", token, leaseExpiresAt: Number(row.lease_expires_at) } as const;
  if (!row.same_body) return { status: "conflict" } as const;
  if (row.status === "completed") return { status: "completed" } as const;
  return { status: "in-progress", retryAfterMs: Math.max(1, Number(row.retry_ms)) } as const;
}

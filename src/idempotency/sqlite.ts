// The SQLite store. Over 200 lines: its public types and driver loading (node:sqlite,
// better-sqlite3, bun:sqlite) beside the shared SQL store.
import { WebhookError } from "../errors/index.js";
import { guard, resolveDatabaseSettings, type StoreSettingsInput } from "./settings.js";
import { bind, sqlSchema, sqlStatements, sqlStore, tableNames, type Statement, type SqlStore } from "./sql.js";
import type { IdempotencyStore } from "./store.js";

/**
 * Which SQLite library the store uses: `node:sqlite` (Node 22.13+), `better-sqlite3` (an
 * optional peer, version 12 on Node 20) or `bun:sqlite`.
 * @example createSqliteStore({ path: "webhooks.db", driver: "better-sqlite3" });
 */
export type SqliteDriverName = "node:sqlite" | "better-sqlite3" | "bun:sqlite";

/**
 * Options of {@link createSqliteStore}.
 * @example createSqliteStore({ path: "/var/lib/myapp/webhooks.db", ttlMs: 48 * 3600_000, leaseMs: 60_000 });
 */
export interface SqliteStoreOptions extends StoreSettingsInput {
  /** The database file; created if missing. Every process that shares it shares the dedupe. */
  path: string;
  /** Table name. Default `"agentref_webhook_idempotency"`. */
  table?: string;
  /** Milliseconds a statement waits for another process's write lock before `STORE_UNAVAILABLE`. Default 5,000. */
  timeoutMs?: number;
  /** The library to use. Default: `bun:sqlite` under Bun, else `node:sqlite` if present, else `better-sqlite3`. */
  driver?: SqliteDriverName;
}

/**
 * The SQLite store: an {@link IdempotencyStore} plus table management.
 * @example
 * const store: SqliteStore = createSqliteStore({ path: "webhooks.db" });
 * setInterval(() => store.purgeExpired(), 3600_000).unref();
 */
export interface SqliteStore extends SqlStore {
  /** The database file. */
  readonly path: string;
  /** Closes the database. A later call opens it again. */
  close(): Promise<void>;
  /** The driver in use, once the database is open (for diagnostics). */
  readonly driver: SqliteDriverName | undefined;
}

/**
 * The default table of {@link createSqliteStore} and `createD1Store`.
 * @example db.prepare(`SELECT count(*) FROM ${DEFAULT_SQLITE_TABLE}`).get();
 */
export const DEFAULT_SQLITE_TABLE = "agentref_webhook_idempotency";

// The parts of each library the store touches, so that no driver's types are needed.
interface PreparedLike {
  all(...values: unknown[]): unknown[];
  run(...values: unknown[]): { changes: number | bigint } | undefined;
}
interface DatabaseLike {
  prepare(sql: string): PreparedLike;
  exec(sql: string): unknown;
  close(): unknown;
}
type DatabaseConstructor = new (path: string) => DatabaseLike;
/** An open database, each statement prepared once. */
interface Connection {
  all(statement: Statement, values: unknown[]): unknown[];
  run(statement: Statement, values: unknown[]): number;
  close(): void;
}

// Each library's constructor in its module.
const CONSTRUCTORS: Record<SqliteDriverName, (module: Record<string, unknown>) => unknown> = {
  "node:sqlite": (module) => module["DatabaseSync"],
  "better-sqlite3": (module) => module["default"] ?? module,
  "bun:sqlite": (module) => module["Database"],
};

// A specifier in a variable: bundlers then leave the optional drivers alone instead of
// failing on one the app does not install.
const load = (specifier: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ specifier);

async function openDriver(path: string, preferred: SqliteDriverName | undefined): Promise<{ name: SqliteDriverName; db: DatabaseLike }> {
  const bun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  const order: SqliteDriverName[] =
    preferred !== undefined ? [preferred] : bun ? ["bun:sqlite"] : ["node:sqlite", "better-sqlite3"];
  const failures: string[] = [];
  for (const name of order) {
    let Database: DatabaseConstructor;
    try {
      Database = CONSTRUCTORS[name](await load(name)) as DatabaseConstructor;
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    try {
      return { name, db: new Database(path) };
    } catch (err) {
      // A native module built for another Node version (or refused by Bun) loads its
      // JavaScript and fails here; any other error is about the file, and is the answer.
      if ((err as { code?: unknown } | null)?.code !== "ERR_DLOPEN_FAILED") throw err;
      failures.push(`${name}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    }
  }
  throw new WebhookError(
    "STORE_UNAVAILABLE",
    `The sqlite idempotency store found no SQLite library (${failures.join("; ")}). ` +
      `Install better-sqlite3 (npm install better-sqlite3@12), or run on Node 22.13+ (node:sqlite) or Bun (bun:sqlite). ` +
      `The sender retries this delivery.`,
  );
}

/**
 * An idempotency store in one SQLite file, shared by every process on the host (several hosts need `/redis` or
 * `/postgres`), opened in WAL mode on the first delivery. Each operation is one statement, atomic across processes;
 * the drivers are synchronous, so a statement blocks the event loop while another process writes (up to
 * `timeoutMs`, then `STORE_UNAVAILABLE`). Schedule `purgeExpired()`.
 * @example
 * import { createSqliteStore } from "agentref-webhooks/sqlite";
 * const store = createSqliteStore({ path: "/var/lib/myapp/webhooks.db" });
 * const handler = createHandler({ secret, store, on: {} });
 * setInterval(() => store.purgeExpired().catch(() => {}), 3600_000).unref();
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { settings, timeoutMs } = resolveDatabaseSettings("sqlite", options);
  const path = options.path;
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`createSqliteStore: \`path\` must be the database file, like "webhooks.db"; got ${JSON.stringify(path)}.`);
  }
  const driverOption = options.driver;
  if (driverOption !== undefined && !Object.hasOwn(CONSTRUCTORS, driverOption)) {
    throw new TypeError(
      `createSqliteStore: \`driver\` must be "node:sqlite", "better-sqlite3" or "bun:sqlite"; got ${JSON.stringify(driverOption)}.`,
    );
  }
  const names = tableNames("sqlite", options.table ?? DEFAULT_SQLITE_TABLE, false);

  let opening: Promise<Connection> | undefined;
  let driver: SqliteDriverName | undefined;

  const open = async (): Promise<Connection> => {
    const { name, db } = await openDriver(path, driverOption);
    try {
      // The busy timeout first: the statements after it may wait for another process.
      db.exec(`PRAGMA busy_timeout = ${timeoutMs}`);
      db.exec("PRAGMA journal_mode = WAL");
      // FULL: a completion survives a power cut, not only a process crash.
      db.exec("PRAGMA synchronous = FULL");
      for (const statement of sqlSchema("sqlite", names)) db.exec(statement);
    } catch (err) {
      db.close();
      throw err;
    }
    driver = name;
    const prepared = new Map<string, PreparedLike>();
    const prepare = (text: string) => {
      let statement = prepared.get(text);
      if (statement === undefined) prepared.set(text, (statement = db.prepare(text)));
      return statement;
    };
    return {
      all: (statement, values) => prepare(statement.text).all(...bind(statement, values)),
      run: (statement, values) => Number(prepare(statement.text).run(...bind(statement, values))?.changes ?? 0),
      close: () => void db.close(),
    };
  };

  const run = <T>(operation: string, fn: (c: Connection) => T): Promise<T> =>
    guard("sqlite", operation, timeoutMs + 1_000, async () => {
      opening ??= open().catch((err: unknown) => {
        opening = undefined; // the next delivery tries again
        throw err;
      });
      return fn(await opening);
    }, hint);

  return {
    ...sqlStore("sqlite", settings, sqlStatements("sqlite", names), {
      rows: (operation, statement, values) => run(operation, (c) => c.all(statement, values)),
      // Several statements in one synchronous call: nothing of this process runs between them.
      changes: (operation, steps) => run(operation, (c) => steps.map(([statement, values]) => c.run(statement, values))),
    }),
    path,
    get driver() {
      return driver;
    },
    async migrate() {
      await run("migrate", () => undefined);
    },
    async close() {
      const pending = opening;
      opening = undefined;
      driver = undefined;
      if (pending !== undefined) (await pending.catch(() => undefined))?.close();
    },
  };
}

function hint(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : "";
  if (code === "SQLITE_BUSY" || /database is locked/i.test(message)) {
    return "Another process held the database's write lock for longer than timeoutMs. The sender retries this delivery.";
  }
  if (code === "SQLITE_CANTOPEN" || /unable to open|cannot open|directory does not exist/i.test(message)) {
    return "Check that the directory of `path` exists and is writable by this process. The sender retries this delivery.";
  }
  return undefined;
}

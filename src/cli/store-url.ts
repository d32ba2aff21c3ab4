import { existsSync } from "node:fs";
import type { IdempotencyStore } from "../idempotency/store.js";
import { CliError } from "./cli-error.js";

/** A store opened from a `--store` argument, and how to let go of its connection. */
interface OpenedStore {
  store: IdempotencyStore;
  /** What was opened, for messages (a URL's password hidden). */
  label: string;
  close(): Promise<void>;
}

/** Where `--table` and `--prefix` go. */
type StoreFlags = { table?: string | undefined; prefix?: string | undefined };

const STORE_FORMS = "sqlite:PATH, redis://HOST:PORT (rediss://) or postgres://USER@HOST/DB (postgresql://)";

// A specifier in a variable: the CLI bundle leaves the optional drivers alone, and a
// missing one is reported when named instead of failing every command.
const load = (specifier: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ specifier);

async function loadDriver(specifiers: string[], why: string): Promise<{ name: string; module: Record<string, unknown> }> {
  for (const name of specifiers) {
    try {
      return { name, module: await load(name) };
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw err;
    }
  }
  throw new CliError(`${why} needs the ${specifiers.join(" or ")} package, which is not installed: npm install ${specifiers[0]}`, 1);
}

/** The URL with its password replaced by `***`. */
function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = "***";
  return copy.href;
}

/**
 * Opens the store a `--store` argument names: `sqlite:PATH` (an existing file),
 * `redis(s)://…` or `postgres(ql)://…`, loading only that store's optional driver.
 */
export async function openStore(text: string, flags: StoreFlags): Promise<OpenedStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === "redis" || scheme === "rediss") return openRedis(text, flags);
  const kind = scheme === "sqlite" ? "SQLite" : scheme === "postgres" || scheme === "postgresql" ? "PostgreSQL" : undefined;
  if (kind === undefined) throw new CliError(`--store ${JSON.stringify(text)} is not a store URL: write ${STORE_FORMS}.`);
  if (flags.prefix !== undefined) throw new CliError(`--prefix is for a Redis store; a ${kind} store takes --table.`);
  return kind === "SQLite" ? openSqlite(text, flags) : openPostgres(text, flags);
}

async function openSqlite(text: string, flags: StoreFlags): Promise<OpenedStore> {
  // sqlite:webhooks.db, sqlite:/var/lib/app/webhooks.db, sqlite:///var/lib/app/webhooks.db
  let path = text.slice("sqlite:".length);
  if (path.startsWith("//")) path = path.slice(2);
  if (path === "") throw new CliError(`--store sqlite: needs the database file, e.g. --store sqlite:/var/lib/myapp/webhooks.db`);
  // The store creates a missing file: here that would only hide a mistyped path.
  if (!existsSync(path)) throw new CliError(`--store ${JSON.stringify(text)}: no such file ${JSON.stringify(path)}.`);
  const { createSqliteStore } = await import("../idempotency/sqlite.js");
  const store = createSqliteStore({ path, ...(flags.table !== undefined ? { table: flags.table } : {}) });
  return { store, label: `sqlite:${path}`, close: () => store.close() };
}

/** The part of an ioredis or a node-redis client the CLI uses. */
type RedisClient = {
  connect(): Promise<unknown>;
  quit(): Promise<unknown>;
  close?(): Promise<unknown>;
  disconnect(): unknown;
  on(event: string, listener: (err: Error) => void): unknown;
};

async function openRedis(text: string, flags: StoreFlags): Promise<OpenedStore> {
  if (flags.table !== undefined) throw new CliError("--table is for a SQLite or PostgreSQL store; a Redis store takes --prefix.");
  const url = new URL(text);
  const label = redact(url);
  const { name, module } = await loadDriver(["ioredis", "redis"], `--store ${url.protocol}//`);
  const Redis = (module["Redis"] ?? module["default"]) as new (url: string, options: object) => RedisClient;
  const createClient = module["createClient"] as (options: object) => RedisClient;
  // One attempt, no reconnection and no offline queue: an unreachable Redis is an answer.
  const client =
    name === "ioredis"
      ? new Redis(text, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 5_000 })
      : createClient({ url: text, disableOfflineQueue: true, socket: { reconnectStrategy: false, connectTimeout: 5_000 } });
  // Either may throw at once or reject: both only mean there is nothing left to release.
  const release = () => Promise.resolve().then(() => client.disconnect()).catch(() => {});
  // The client's own error (ECONNREFUSED, a refused password) says more than the rejection does.
  let lastError: Error | undefined;
  client.on("error", (err: Error) => void (lastError = err));
  try {
    await client.connect();
  } catch (err) {
    await release();
    throw new CliError(`cannot connect to ${label}: ${lastError?.message || (err as Error)?.message || String(err)}`, 1);
  }
  const { createRedisStore } = await import("../idempotency/redis.js");
  const store = createRedisStore({ client: client as never, ...(flags.prefix !== undefined ? { prefix: flags.prefix } : {}) });
  // node-redis 5 closes with close() (quit() is deprecated), ioredis and node-redis 4 with quit().
  const close = async () => {
    await (client.close ?? client.quit).call(client).catch(release);
  };
  return { store, label, close };
}

async function openPostgres(text: string, flags: StoreFlags): Promise<OpenedStore> {
  const label = redact(new URL(text));
  const { module } = await loadDriver(["pg"], "--store postgres://");
  const Pool = (module["Pool"] ?? (module["default"] as Record<string, unknown> | undefined)?.["Pool"]) as new (options: object) => {
    query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
    end(): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): unknown;
  };
  const pool = new Pool({ connectionString: text, max: 1, connectionTimeoutMillis: 5_000 });
  pool.on("error", () => {});
  const { createPostgresStore } = await import("../idempotency/postgres.js");
  const store = createPostgresStore({ pool: pool as never, ...(flags.table !== undefined ? { table: flags.table } : {}) });
  return { store, label, close: () => pool.end().catch(() => {}) };
}

import pg from "pg";
import { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from "agentref-webhooks/postgres";

/**
 * A pg pool that survives PostgreSQL restarts and terminated connections: a dead
 * connection is dropped and the next query opens a new one.
 */
export function createPool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 2_000, // while PostgreSQL is unreachable, give up quickly: 503 + Retry-After
    keepAlive: true, // notice a silently dropped connection
  });
  // Required: when an idle connection dies (a restart, a failover, pg_terminate_backend) the
  // pool emits "error", and an "error" event nobody listens to ends the process.
  pool.on("error", (err) => console.error(`postgres: ${err.message}`));
  return pool;
}

/**
 * The PostgreSQL idempotency store on such a pool, its table created if missing. While
 * PostgreSQL is down every delivery is answered 503 with Retry-After (the sender retries),
 * and once it is back deliveries are answered 200 again.
 *
 * @example
 * export const POST = createHandler({ secret, store: await connectPostgresStore(process.env.DATABASE_URL!), on: { … } });
 */
export async function connectPostgresStore(url: string, options: Omit<PostgresStoreOptions, "pool"> = {}): Promise<PostgresStore> {
  const store = createPostgresStore({ pool: createPool(url), ...options });
  await store.migrate();
  return store;
}

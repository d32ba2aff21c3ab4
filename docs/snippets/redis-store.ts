import { createClient } from "redis";
import type { IdempotencyStore } from "agentref-webhooks";
import { createRedisStore, type RedisStoreOptions } from "agentref-webhooks/redis";

/**
 * The Redis idempotency store, with a client that survives Redis restarts: while Redis is
 * down every delivery is answered 503 with Retry-After (the sender retries), and once it is
 * back the client reconnects and deliveries are answered 200 again.
 *
 * @example
 * export const POST = createHandler({ secret, store: await connectRedisStore(process.env.REDIS_URL!), on: { … } });
 */
export async function connectRedisStore(url: string, options: Omit<RedisStoreOptions, "client"> = {}): Promise<IdempotencyStore> {
  const client = createClient({
    url,
    // While Redis is down, fail at once (503 + Retry-After) instead of queueing commands in memory.
    disableOfflineQueue: true,
    // Reconnect forever, backing off to 2 s (node-redis's default stops for good after a socketTimeout).
    socket: { reconnectStrategy: (retries) => Math.min(2 ** retries * 50, 2_000) },
  });
  // Required: node-redis emits "error" on every lost connection and failed reconnect,
  // and an "error" event nobody listens to ends the process.
  client.on("error", (err: Error) => console.error(`redis: ${err.message}`));
  await client.connect();
  return createRedisStore({ client, ...options });
}

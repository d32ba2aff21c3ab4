// The worker: takes events off the queue and runs the slow side effects, with
// retries and a dead-letter hook. Run as many as you like, on any machine that
// reaches the same Redis.
//   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/queue/worker.ts
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import type { IdempotencyStore } from "agentref-webhooks";
import { createWorker, type WebhookWorker } from "agentref-webhooks/bullmq";
import { createRedisStore } from "agentref-webhooks/redis";
import { onShutdown, readConfig, type QueueExampleConfig } from "./config.js";

/**
 * Runs `effect` at most once per key across attempts, workers and crashes that happen
 * after it finished (the job may run again if a worker dies before BullMQ records its
 * completion). An attempt that finds the key in progress throws, and BullMQ retries it later.
 */
export async function once(store: IdempotencyStore, key: string, effect: () => Promise<void>): Promise<"done" | "skipped"> {
  const claim = await store.claim(key, { bodyHash: "side-effect" });
  if (claim.status === "completed") return "skipped";
  if (claim.status !== "claimed") throw new Error(`${key} is being processed by another attempt`);
  try {
    await effect();
  } catch (err) {
    await store.release(key, claim.token);
    throw err;
  }
  await store.complete(key, claim.token);
  return "done";
}

export function startWorker(config: QueueExampleConfig, log: (line: string) => void = console.log): { worker: WebhookWorker; close(): Promise<void> } {
  const redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // Without a listener ioredis prints every lost connection as an "Unhandled error event".
  redis.on("error", (err) => console.error("redis error:", err.message));
  const store = createRedisStore({ client: redis, prefix: `${config.queueName}:effects:` });
  const ledger = new Map<string, number>(); // stands in for your database

  const worker = createWorker({
    queueName: config.queueName,
    // Back within 2 s of a Redis restart (BullMQ's default waits up to 20 s between attempts).
    connection: { url: config.redisUrl, retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000) },
    concurrency: 10,
    attempts: 5,
    backoff: { type: "exponential", delay: 2_000 },
    on: {
      "conversion.created": async (event, ctx) => {
        // The event id is the same on every delivery and every attempt: the key of "exactly once".
        const result = await once(store, `credit:${ctx.eventId}`, async () => {
          ledger.set(event.data.affiliateId, (ledger.get(event.data.affiliateId) ?? 0) + event.data.commissionAmount);
        });
        log(`processed ${event.type} ${event.id} attempt=${ctx.attempt} credit=${result}`);
      },
      "payout.failed": async (event, ctx) => log(`processed ${event.type} ${event.id} attempt=${ctx.attempt} reason=${event.data.failureReason}`),
      "program.updated": "ignore",
    },
    onUnhandled: (event, ctx) => log(`processed ${event.type} ${event.id} attempt=${ctx.attempt}`),
    onUnknown: (event) => log(`unknown event type ${event.type}: upgrade agentref-webhooks`),
    onDeadLetter: (event, error, ctx) => log(`dead letter ${event.type} ${ctx.eventId} after ${ctx.attempt} attempts: ${error.message}`),
  });
  return {
    worker,
    async close() {
      await worker.close(); // lets in-flight jobs finish
      redis.disconnect();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { worker, close } = startWorker(readConfig({ AGENTREF_WEBHOOK_SECRET: "unused-by-the-worker", ...process.env }));
  await worker.waitUntilReady();
  console.log("ready");
  onShutdown(close);
}

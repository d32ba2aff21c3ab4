import { Queue } from "bullmq";
import { createHandler, type WebhookHandler } from "agentref-webhooks";
import { bullmqEnqueue } from "agentref-webhooks/bullmq";

/**
 * A receiver in queue mode: it verifies each delivery, adds the event to a BullMQ queue and
 * answers 202. While Redis is down every delivery is answered 503 with Retry-After (the
 * sender retries); once it is back the queue reconnects and deliveries get 202 again.
 *
 * @example
 * export const POST = createQueueReceiver(process.env.REDIS_URL!);
 */
export function createQueueReceiver(redisUrl: string, queueName = "agentref-webhooks"): WebhookHandler {
  const queue = new Queue(queueName, {
    connection: {
      url: redisUrl,
      // While Redis is down an add fails at once (503 + Retry-After) instead of waiting in memory,
      // and one in flight when the connection drops fails after one reconnection attempt.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Reconnect every 2 s at most, forever (BullMQ's default waits up to 20 s after a long outage).
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
    },
  });
  // Recommended: BullMQ reports every lost connection here (unheard, it prints them itself).
  queue.on("error", (err) => console.error(`queue: ${err.message}`));
  return createHandler({ secret: process.env.AGENTREF_WEBHOOK_SECRET!, enqueue: bullmqEnqueue(queue) });
}

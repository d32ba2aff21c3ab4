// The receiver: verifies each delivery, puts the typed event on a BullMQ queue, and
// answers 202 within milliseconds (AgentRef allows 30 s). No side effect runs here.
//   AGENTREF_WEBHOOK_SECRET=whsec_… REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/queue/receiver.ts
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { Queue } from "bullmq";
import { createHandler } from "agentref-webhooks";
import { bullmqEnqueue } from "agentref-webhooks/bullmq";
import { toNodeHandler } from "agentref-webhooks/node";
import { onShutdown, readConfig, type QueueExampleConfig } from "./config.js";

export async function startReceiver(config: QueueExampleConfig): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  // The settings of docs/snippets/queue-receiver.ts: while Redis is down an add fails at once
  // (the sender gets a 503 and retries) instead of waiting on a buffered command, an add in
  // flight when the connection drops fails after one reconnection attempt, and the queue
  // reconnects every 2 s at most.
  const queue = new Queue(config.queueName, {
    connection: {
      url: config.redisUrl,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
    },
  });
  queue.on("error", (err) => console.error("queue error:", err.message));

  const handler = createHandler({
    secret: config.secret,
    enqueue: bullmqEnqueue(queue),
    onHandled: (info) => console.log(`${info.status} ${info.type} ${info.eventId} (${info.durationMs} ms)`),
    onError: (error, info) => console.error(`${info.status} ${error.code}: ${error.message}`),
  });
  const webhooks = toNodeHandler(handler);
  const server = createServer((req, res) => {
    if (req.url === "/webhooks/agentref") return void webhooks(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(config.port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/agentref`;
  return {
    server,
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const receiver = await startReceiver(readConfig());
  console.log(`listening on ${receiver.url}`);
  onShutdown(() => receiver.close());
}

// When the queue cannot take the event, the sender must hear 503 (and retry), never 202.
import net from "node:net";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler, type LifecycleInfo } from "agentref-webhooks";
import { bullmqEnqueue, bullmqJobId } from "agentref-webhooks/bullmq";
import { toNodeHandler } from "agentref-webhooks/node";
import { sampleEvents } from "../../../src/events/samples.js";
import { listen, send } from "../../helpers/http.js";
import { redisUrl, startTcpProxy } from "../../helpers/services.js";
import { signDelivery, TEST_SECRET } from "../../helpers/sign.js";
import { connectionFor, createQueueKit, uniqueQueueName } from "./queue-kit.js";

const url = redisUrl();

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("Redis unreachable at enqueue time", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it("answers 503 ENQUEUE_FAILED with Retry-After, quickly, and never 202", async () => {
    const queue = new Queue(uniqueQueueName("down"), {
      connection: { host: "127.0.0.1", port: await closedPort(), enableOfflineQueue: false, connectTimeout: 500 },
    });
    queue.on("error", () => {});
    cleanups.push(() => queue.close());
    const handled: LifecycleInfo[] = [];
    const handler = createHandler({
      secret: TEST_SECRET,
      logger: {},
      enqueue: bullmqEnqueue(queue, { timeoutMs: 1_500 }),
      onHandled: (info) => void handled.push(info),
    });
    const server = await listen(toNodeHandler(handler));
    cleanups.push(() => server.close());

    const body = JSON.stringify(sampleEvents["payout.failed"]);
    const started = Date.now();
    const answers = await Promise.all([1, 2, 3].map(() => send(server.port, { body, headers: signDelivery({ body }) })));
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ ok: false, code: "ENQUEUE_FAILED" });
      expect(answer.headers["retry-after"]).toBe("5");
    }
    expect(handled.filter((i) => i.status === 202)).toEqual([]);
  });

  describe.skipIf(url === undefined)("an outage in the middle of traffic", () => {
    const kit = createQueueKit(url ?? "");
    afterEach(() => kit.cleanup());

    it("503 while Redis is cut off, 202 once it is back; nothing is lost (one job per event)", async () => {
      const target = new URL(url ?? "redis://127.0.0.1:6379");
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
      cleanups.push(() => proxy.stop());
      const name = uniqueQueueName("outage");
      const producer = new Queue(name, {
        connection: connectionFor(url ?? "", { port: proxy.port, enableOfflineQueue: false, connectTimeout: 500 }),
      });
      producer.on("error", () => {});
      cleanups.push(() => producer.close());
      // A direct queue on the same name, to look at the result and clean up.
      const inspect = new Queue(name, { connection: kit.connection });
      kit.defer(async () => {
        await inspect.obliterate({ force: true });
        await inspect.close();
      });

      const handler = createHandler({ secret: TEST_SECRET, logger: {}, enqueue: bullmqEnqueue(producer, { timeoutMs: 1_000 }) });
      const before = { ...sampleEvents["conversion.created"], id: "msg_before_outage" };
      const during = { ...sampleEvents["conversion.created"], id: "msg_during_outage" };
      const deliver = (event: object) => {
        const body = JSON.stringify(event);
        return handler(new Request("http://localhost/", { method: "POST", headers: signDelivery({ body }), body }));
      };

      expect((await deliver(before)).status).toBe(202);
      await proxy.stop();
      expect((await deliver(during)).status).toBe(503);
      await proxy.start();
      // The sender's retries, until the client has reconnected.
      await vi.waitFor(async () => expect((await deliver(during)).status).toBe(202), { timeout: 15_000, interval: 250 });

      const counts = await inspect.getJobCounts();
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(2);
      expect((await inspect.getJob((await bullmqJobId(during.id, { tenant: during.merchantId }))))?.data.body).toBe(JSON.stringify(during));
    });
  });
});

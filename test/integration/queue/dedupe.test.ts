// Queue mode on a real Redis: every delivery is answered 202 once enqueued, and
// duplicates (concurrent ones and late retries) never become a second job.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "agentref-webhooks";
import { bullmqEnqueue, bullmqJobId, createWorker, type QueuedDelivery, type WorkerContext } from "agentref-webhooks/bullmq";
import { redisUrl } from "../../helpers/services.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";
import { createQueueKit, eventNumber } from "./queue-kit.js";

const url = redisUrl();

describe.skipIf(url === undefined)("queue mode: 1,000 events, 30 % duplicate deliveries", () => {
  const kit = createQueueKit(url ?? "");
  afterEach(() => kit.cleanup());

  it("answers every delivery 202, creates exactly 1,000 jobs, and the worker runs each event once", async () => {
    const queue = kit.queue("dedupe");
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, enqueue: bullmqEnqueue(queue) });

    const unique = 1_000;
    const events = Array.from({ length: unique }, (_, i) => eventNumber(i, "msg_dedupe_"));
    // 300 duplicate deliveries: 150 race their original (same batch), 150 arrive as late
    // retries once processing is well under way (fresh signature timestamp, same id).
    const concurrentDupes = new Set(events.filter((_, i) => i % 20 < 3).map((e) => e.id));
    const lateDupes = events.filter((_, i) => i % 20 >= 3 && i % 20 < 6);
    expect(concurrentDupes.size + lateDupes.length).toBe(300);

    const statuses = new Map<number, number>();
    const deliver = async (event: Record<string, unknown>) => {
      const response = await handler(signedRequest({ body: JSON.stringify(event) }));
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      return response;
    };

    const runs = new Map<string, number>();
    const contexts: WorkerContext[] = [];
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      concurrency: 25,
      logger: {},
      onUnhandled: (event, ctx) => {
        runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
        if (contexts.length < 5) contexts.push(ctx);
      },
      on: {},
    });
    kit.defer(() => worker.close());

    for (let start = 0; start < unique; start += 50) {
      const batch = events.slice(start, start + 50).flatMap((e) => (concurrentDupes.has(e.id) ? [e, e] : [e]));
      await Promise.all(batch.map(deliver));
    }
    await Promise.all(lateDupes.map(deliver));

    expect(Object.fromEntries(statuses)).toEqual({ 202: 1_300 });
    await vi.waitFor(async () => expect((await queue.getJobCounts("completed")).completed).toBe(unique), { timeout: 20_000, interval: 100 });
    // Redeliveries after completion are still no-ops: completed jobs are kept for the dedupe window.
    await Promise.all(lateDupes.slice(0, 20).map(deliver));

    const counts = await queue.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(unique);
    expect(runs.size).toBe(unique);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);

    // What a job looks like from BullMQ's side.
    const sample = events[7]!;
    const job = await queue.getJob((await bullmqJobId(sample.id, { tenant: String(sample.merchantId) })));
    expect(job?.name).toBe(sample.type);
    const data = job?.data as QueuedDelivery;
    // The verified body as received, not a re-serialization of the parsed event.
    expect(JSON.parse(data.body)).toEqual(sample);
    expect(data.meta).toMatchObject({ eventId: sample.id, deliveryId: sample.id, provider: "agentref", key: job?.id });
    expect(contexts[0]).toMatchObject({ attempt: 1, provider: "agentref" });
    expect(contexts[0]!.jobId).toBe(await bullmqJobId(contexts[0]!.eventId, { tenant: String(sample.merchantId) }));
    expect(job?.opts.removeOnComplete).toEqual({ age: 47 * 3600 });
  });
});

// Shutdown and the edges of the worker's life: close() lets in-flight jobs finish; a job
// that stalls more often than allowed is dead-lettered too; bad configuration fails at creation.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "agentref-webhooks";
import { bullmqEnqueue, bullmqJobId, createWorker } from "agentref-webhooks/bullmq";
import { redisUrl } from "../../helpers/services.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";
import { createQueueKit, eventNumber } from "./queue-kit.js";

const url = redisUrl();

describe("createWorker configuration", () => {
  it("rejects a key that is not an event type, and impossible attempts", () => {
    const connection = { host: "127.0.0.1", port: 1, lazyConnect: true };
    // @ts-expect-error not an AgentRef event type
    expect(() => createWorker({ queueName: "x", connection, on: { "payout.exploded": () => {} } })).toThrow(
      /"payout.exploded" is not a agentref event type/,
    );
    expect(() => createWorker({ queueName: "x", connection, on: {}, attempts: 0 })).toThrow(RangeError);
  });
});

describe.skipIf(url === undefined)("worker lifecycle", () => {
  const kit = createQueueKit(url ?? "");
  afterEach(() => kit.cleanup());

  async function enqueue(queue: ReturnType<typeof kit.queue>, events: object[]) {
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, enqueue: bullmqEnqueue(queue) });
    for (const event of events) expect((await handler(signedRequest({ body: JSON.stringify(event) }))).status).toBe(202);
  }

  it("close() waits for in-flight jobs to finish, and takes no new ones", async () => {
    const queue = kit.queue("close");
    const events = Array.from({ length: 6 }, (_, i) => eventNumber(i, "msg_close_"));
    await enqueue(queue, events);
    const started: string[] = [];
    const finished: string[] = [];
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      concurrency: 2,
      onUnhandled: async (event) => {
        started.push(event.id);
        await new Promise((r) => setTimeout(r, 400));
        finished.push(event.id);
      },
      on: {},
    });
    await vi.waitFor(() => expect(started.length).toBe(2), { timeout: 5_000, interval: 20 });
    await worker.close();
    expect(finished).toEqual(started);
    expect(started).toHaveLength(2);
    for (const id of started) expect(await queue.getJobState(await bullmqJobId(id, { tenant: String(events[0]!.merchantId) }))).toBe("completed");
    expect(await queue.getWaitingCount()).toBe(4);
  });

  it("a job that stalls more often than maxStalledCount is dead-lettered once, with the event", async () => {
    const queue = kit.queue("stall-dead");
    const event = eventNumber(11, "msg_stall_dead_"); // conversion.created
    await enqueue(queue, [event]);
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const first = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      workerOptions: { lockDuration: 500, stalledInterval: 200 },
      onUnhandled: () => blocked,
      on: {},
    });
    const jobId = (await bullmqJobId(event.id, { tenant: String(event.merchantId) }));
    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe("active"), { timeout: 5_000, interval: 20 });
    // Stop renewing the lock without finishing the job, as a frozen process would.
    const closing = first.close(true);

    const dead: { id: string | undefined; message: string }[] = [];
    const second = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      workerOptions: { lockDuration: 500, stalledInterval: 200, maxStalledCount: 0 },
      onDeadLetter: (e, error) => void dead.push({ id: e.id, message: error.message }),
      on: {},
    });
    kit.defer(() => second.close());
    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe("failed"), { timeout: 10_000, interval: 50 });
    await vi.waitFor(() => expect(dead).toHaveLength(1), { timeout: 2_000, interval: 20 });
    release();
    await closing;
    await new Promise((r) => setTimeout(r, 200));
    expect(dead).toEqual([{ id: event.id, message: expect.stringMatching(/stalled/) }]);
  });
});

// The worker's attempts/backoff govern retries; after the last attempt the event is
// dead-lettered once and stays inspectable in BullMQ's failed set.
import { UnrecoverableError } from "bullmq";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler, type PayoutFailedEvent, type UnknownEvent } from "agentref-webhooks";
import { bullmqEnqueue, bullmqJobId, createWorker, type WorkerContext } from "agentref-webhooks/bullmq";
import { sampleEvents } from "../../../src/events/samples.js";
import { redisUrl } from "../../helpers/services.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";
import { createQueueKit } from "./queue-kit.js";

const url = redisUrl();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(url === undefined)("worker retries and dead letters", () => {
  const kit = createQueueKit(url ?? "");
  afterEach(() => kit.cleanup());

  async function accept(event: object, queue = kit.queue("retries")) {
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, enqueue: bullmqEnqueue(queue) });
    const response = await handler(signedRequest({ body: JSON.stringify(event) }));
    expect(response.status).toBe(202);
    return queue;
  }

  it("a handler that throws twice then succeeds: 3 attempts with backoff, job completed, no dead letter", async () => {
    const event = { ...sampleEvents["payout.failed"], id: "msg_retry_ok" };
    const queue = await accept(event);
    const seen: { attempt: number; at: number }[] = [];
    const onDeadLetter = vi.fn();
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      attempts: 3,
      backoff: 150,
      onDeadLetter,
      on: {
        "payout.failed": async (_event, ctx) => {
          seen.push({ attempt: ctx.attempt, at: Date.now() });
          if (ctx.attempt < 3) throw new Error(`transient ${ctx.attempt}`);
        },
      },
    });
    kit.defer(() => worker.close());

    const jobId = (await bullmqJobId(event.id, { tenant: event.merchantId }));
    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe("completed"), { timeout: 10_000, interval: 50 });
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    // The fixed backoff separates the attempts.
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(140);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(140);
    const job = await queue.getJob(jobId);
    expect(job?.attemptsMade).toBe(3);
    expect(job?.returnvalue).toEqual({ outcome: "handled" });
    expect(onDeadLetter).not.toHaveBeenCalled();
  });

  it("a handler that always throws: dead letter called once with the event and the last error; the job is in the failed set", async () => {
    const event = { ...sampleEvents["payout.failed"], id: "msg_retry_dead" };
    const queue = await accept(event);
    let calls = 0;
    const dead: { event: PayoutFailedEvent | UnknownEvent; error: Error; ctx: WorkerContext }[] = [];
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      attempts: 4,
      backoff: { type: "exponential", delay: 20 },
      onDeadLetter: (event, error, ctx) => {
        dead.push({ event: event as PayoutFailedEvent, error, ctx });
      },
      on: {
        "payout.failed": () => {
          calls++;
          throw new Error(`permanent failure #${calls}`);
        },
      },
    });
    kit.defer(() => worker.close());

    const jobId = (await bullmqJobId(event.id, { tenant: event.merchantId }));
    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe("failed"), { timeout: 10_000, interval: 50 });
    await sleep(300); // room for a second (wrong) dead letter to show up
    expect(calls).toBe(4);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.event).toEqual(event);
    expect(dead[0]!.error.message).toBe("permanent failure #4");
    expect(dead[0]!.ctx).toMatchObject({ attempt: 4, maxAttempts: 4, eventId: event.id, jobId });
    const job = await queue.getJob(jobId);
    expect(job?.attemptsMade).toBe(4);
    expect(job?.failedReason).toBe("permanent failure #4");
    expect(await queue.getFailedCount()).toBe(1);
  });

  it("UnrecoverableError skips the remaining attempts; an unknown type goes to onUnknown; 'ignore' completes", async () => {
    const queue = kit.queue("routing");
    const fatal = { ...sampleEvents["conversion.created"], id: "msg_fatal" };
    const ignored = { ...sampleEvents["program.updated"], id: "msg_ignored" };
    const unknown = { ...sampleEvents["program.updated"], id: "msg_unknown", type: "program.deleted" };
    for (const e of [fatal, ignored, unknown]) await accept(e, queue);

    const dead: string[] = [];
    const unknownSeen: string[] = [];
    let fatalCalls = 0;
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      attempts: 5,
      backoff: 10,
      onDeadLetter: (event, error) => void dead.push(`${event.type}:${error.message}`),
      onUnknown: (event) => void unknownSeen.push(`${event.type}:${event.id}`),
      on: {
        "conversion.created": () => {
          fatalCalls++;
          throw new UnrecoverableError("card closed");
        },
        "program.updated": "ignore",
      },
    });
    kit.defer(() => worker.close());

    await vi.waitFor(async () => {
      expect(await queue.getJobState((await bullmqJobId(fatal.id, { tenant: fatal.merchantId })))).toBe("failed");
      expect(await queue.getCompletedCount()).toBe(2);
    }, { timeout: 10_000, interval: 50 });
    expect(fatalCalls).toBe(1);
    expect(dead).toEqual(["conversion.created:card closed"]);
    expect(unknownSeen).toEqual(["program.deleted:msg_unknown"]);
    expect((await queue.getJob((await bullmqJobId(ignored.id, { tenant: ignored.merchantId }))))?.returnvalue).toEqual({ outcome: "ignored" });
    expect((await queue.getJob((await bullmqJobId(unknown.id, { tenant: unknown.merchantId }))))?.returnvalue).toEqual({ outcome: "unknown" });
  });
  it("a job whose payload this SDK rejects is dead-lettered at once, without running a handler", async () => {
    const queue = kit.queue("bad-payload");
    const bad = { ...sampleEvents["conversion.created"], id: "msg_bad_payload", data: { ...sampleEvents["conversion.created"].data, commissionAmount: "lots" } };
    const key = await bullmqJobId(bad.id, { tenant: bad.merchantId });
    const meta = { deliveryId: bad.id, eventId: bad.id, key, timestamp: 1_700_000_000, receivedAt: new Date().toISOString(), provider: "agentref" };
    // As an older or newer receiver (or a hand-written producer) might have queued it.
    await queue.add(bad.type, { v: 2, body: JSON.stringify(bad), meta }, { jobId: key });
    const handler = vi.fn();
    const dead: { event: unknown; error: Error }[] = [];
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      attempts: 5,
      backoff: 10,
      onDeadLetter: (event, error) => void dead.push({ event, error }),
      on: { "conversion.created": handler },
    });
    kit.defer(() => worker.close());

    await vi.waitFor(async () => expect(await queue.getJobState((await bullmqJobId(bad.id, { tenant: bad.merchantId })))).toBe("failed"), { timeout: 10_000, interval: 50 });
    expect(handler).not.toHaveBeenCalled();
    expect(dead).toHaveLength(1);
    expect(dead[0]!.error.message).toMatch(/commissionAmount/);
    expect(dead[0]!.event).toMatchObject({ id: bad.id, type: "conversion.created", known: false });
    expect((await queue.getJob((await bullmqJobId(bad.id, { tenant: bad.merchantId }))))?.attemptsMade).toBe(1);
  });
});

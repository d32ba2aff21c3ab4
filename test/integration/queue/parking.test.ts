// Queue mode's dead letters parked and replayed: the worker keeps a dead-lettered job's
// delivery in the store and removes the failed job, so replayParked through the queue
// receiver enqueues it again under the same job id and the worker runs it once.
import { UnrecoverableError } from "bullmq";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler, createMemoryStore, listParked, replayParked, type IdempotencyStore } from "agentref-webhooks";
import { bullmqEnqueue, bullmqJobId, createWorker } from "agentref-webhooks/bullmq";
import { sampleEvents } from "../../../src/events/samples.js";
import { redisUrl } from "../../helpers/services.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";
import { createQueueKit } from "./queue-kit.js";

const url = redisUrl();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(url === undefined)("worker parking", () => {
  const kit = createQueueKit(url ?? "");
  afterEach(() => kit.cleanup());

  /** A queue receiver, and a worker whose payout.failed handler throws until `fixed`. */
  function setup(store: IdempotencyStore, label: string, fail: () => Error = () => new Error("payments API down")) {
    const queue = kit.queue(label);
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, enqueue: bullmqEnqueue(queue) });
    const state = { fixed: false, calls: 0, ran: [] as string[], dead: [] as string[] };
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      attempts: 3,
      backoff: 10,
      parking: { store },
      onDeadLetter: (event, error) => void state.dead.push(`${event.id}:${error.message}`),
      on: {
        "payout.failed": async (event) => {
          state.calls++;
          if (!state.fixed) throw fail();
          state.ran.push(event.id);
        },
      },
    });
    kit.defer(() => worker.close());
    return { queue, handler, state };
  }

  it("a dead letter is parked and removed from BullMQ; replayParked re-enqueues it and the worker runs it once, replaying twice runs it once", async () => {
    const store = createMemoryStore({ logger: {} });
    const { queue, handler, state } = setup(store, "parking");
    const event = { ...sampleEvents["payout.failed"], id: "msg_park_queue" };
    const body = JSON.stringify(event);
    expect((await handler(signedRequest({ body }))).status).toBe(202);
    const jobId = await bullmqJobId(event.id, { tenant: event.merchantId });

    await vi.waitFor(async () => expect(await listParked({ store })).toHaveLength(1), { timeout: 10_000, interval: 50 });
    expect(await listParked({ store })).toEqual([
      { key: jobId, provider: "agentref", eventId: event.id, type: "payout.failed", body, parkedAt: expect.any(Number), reason: "payments API down" },
    ]);
    expect(state.calls).toBe(3);
    await vi.waitFor(() => expect(state.dead).toEqual([`${event.id}:payments API down`]), { timeout: 5_000, interval: 20 });
    // Removed as the failure was recorded: nothing in the failed set to swallow the replay.
    await vi.waitFor(async () => expect(await queue.getJob(jobId)).toBeUndefined(), { timeout: 5_000, interval: 20 });
    expect(await queue.getFailedCount()).toBe(0);

    // A provider retry meanwhile would be enqueued again; here the fix comes first.
    state.fixed = true;
    const first = await replayParked({ store, secret: TEST_SECRET, to: handler });
    expect(first.replayed).toEqual([{ key: jobId, eventId: event.id, type: "payout.failed", status: 202, outcome: "accepted", unparked: true }]);
    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe("completed"), { timeout: 10_000, interval: 50 });
    expect(state.ran).toEqual([event.id]);
    expect(await listParked({ store })).toEqual([]);

    // Replaying again: nothing is parked any more.
    expect((await replayParked({ store, secret: TEST_SECRET, to: handler })).replayed).toEqual([]);
    // Parked twice (a second worker parked it too) and replayed again: the completed job dedupes it.
    await store.park!({ key: jobId, provider: "agentref", eventId: event.id, type: "payout.failed", body, parkedAt: Date.now(), reason: "x" });
    const again = await replayParked({ store, secret: TEST_SECRET, to: handler });
    expect(again.replayed).toEqual([expect.objectContaining({ status: 202, outcome: "accepted", unparked: true })]);
    await sleep(300); // room for a second (wrong) run to show up
    expect(state.ran).toEqual([event.id]);
    expect(state.calls).toBe(4);
    expect(state.dead).toHaveLength(1);
  });

  it("an UnrecoverableError is parked at once; replayed while still broken it is parked again, then runs once after the fix", async () => {
    const store = createMemoryStore({ logger: {} });
    const { queue, handler, state } = setup(store, "parking-fatal", () => new UnrecoverableError("card closed"));
    const event = { ...sampleEvents["payout.failed"], id: "msg_park_fatal" };
    await handler(signedRequest({ body: JSON.stringify(event) }));
    const jobId = await bullmqJobId(event.id, { tenant: event.merchantId });
    await vi.waitFor(async () => expect(await listParked({ store })).toHaveLength(1), { timeout: 10_000, interval: 50 });
    expect(state.calls).toBe(1);
    await vi.waitFor(async () => expect(await queue.getJob(jobId)).toBeUndefined(), { timeout: 5_000, interval: 20 });

    // Still broken: the replay is accepted (unparked), fails again and is parked again.
    const broken = await replayParked({ store, secret: TEST_SECRET, to: handler });
    expect(broken.replayed).toEqual([expect.objectContaining({ status: 202, unparked: true })]);
    await vi.waitFor(async () => {
      expect(state.calls).toBe(2);
      expect(await listParked({ store })).toEqual([expect.objectContaining({ key: jobId, reason: "card closed" })]);
      expect(await queue.getJob(jobId)).toBeUndefined();
    }, { timeout: 10_000, interval: 50 });

    state.fixed = true;
    await replayParked({ store, secret: TEST_SECRET, to: handler });
    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe("completed"), { timeout: 10_000, interval: 50 });
    expect(state.ran).toEqual([event.id]);
    expect(state.dead).toHaveLength(2);
    expect(await listParked({ store })).toEqual([]);
  });

  it("a job that stalls more often than maxStalledCount is parked too, and removed from the failed set", async () => {
    const store = createMemoryStore({ logger: {} });
    const queue = kit.queue("parking-stall");
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, enqueue: bullmqEnqueue(queue) });
    const event = { ...sampleEvents["conversion.created"], id: "msg_park_stall" };
    await handler(signedRequest({ body: JSON.stringify(event) }));
    const jobId = await bullmqJobId(event.id, { tenant: event.merchantId });
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const first = createWorker({ queueName: queue.name, connection: kit.connection, logger: {}, workerOptions: { lockDuration: 500, stalledInterval: 200 }, on: { "conversion.created": () => blocked } });
    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe("active"), { timeout: 5_000, interval: 20 });
    // Stop renewing the lock without finishing the job, as a frozen process would.
    const closing = first.close(true);
    const dead: string[] = [];
    const second = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      parking: { store },
      workerOptions: { lockDuration: 500, stalledInterval: 200, maxStalledCount: 0 },
      onDeadLetter: (e) => void dead.push(String(e.id)),
      on: {},
    });
    kit.defer(() => second.close());
    await vi.waitFor(async () => {
      expect(await listParked({ store })).toEqual([expect.objectContaining({ key: jobId, eventId: event.id, reason: expect.stringMatching(/stalled/) })]);
      expect(await queue.getJob(jobId)).toBeUndefined();
      expect(dead).toEqual([event.id]);
    }, { timeout: 10_000, interval: 50 });
    release();
    await closing;
  });

  it("a store that cannot park: the job stays in the failed set, onDeadLetter still runs", async () => {
    const memory = createMemoryStore({ logger: {} });
    const store: IdempotencyStore = Object.assign(Object.create(memory) as IdempotencyStore, {
      settings: memory.settings,
      park: async () => {
        throw new Error("store down");
      },
    });
    const { queue, handler, state } = setup(store, "parking-down");
    const event = { ...sampleEvents["payout.failed"], id: "msg_park_down" };
    await handler(signedRequest({ body: JSON.stringify(event) }));
    const jobId = await bullmqJobId(event.id, { tenant: event.merchantId });
    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe("failed"), { timeout: 10_000, interval: 50 });
    await vi.waitFor(() => expect(state.dead).toHaveLength(1), { timeout: 5_000, interval: 20 });
    expect(await listParked({ store: memory })).toEqual([]);
  });

  it("parking needs a store that parks", () => {
    const base = { queueName: "unused", connection: kit.connection, on: {}, workerOptions: { autorun: false } };
    const { park: _park, listParked: _list, unpark: _unpark, ...noParking } = createMemoryStore();
    expect(() => createWorker({ ...base, parking: { store: noParking } })).toThrow(/parking needs \{ store \} with a store that implements park, listParked, unpark/);
    expect(() => createWorker({ ...base, parking: {} as never })).toThrow(TypeError);
  });
});

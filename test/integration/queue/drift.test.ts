// Queue mode and inline mode share the lifecycle's steps: the same key (tenant included)
// and the same payloads accepted.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "agentref-webhooks";
import { agiled } from "agentref-webhooks/agiled";
import { bullmqEnqueue, createWorker } from "agentref-webhooks/bullmq";
import { createSignedRequest, createTestEvent } from "agentref-webhooks/testing";
import { redisUrl } from "../../helpers/services.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";
import { createQueueKit } from "./queue-kit.js";

const url = redisUrl();
const AGILED_SECRET = "agiled-test-secret-0123456789";

describe.skipIf(url === undefined)("queue mode keys jobs like inline mode keys claims", () => {
  const kit = createQueueKit(url ?? "");
  afterEach(() => kit.cleanup());

  it("two AgentRef merchants sending the same event id are both queued and each processed once", async () => {
    const queue = kit.queue("tenants");
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, enqueue: bullmqEnqueue(queue) });
    const a = createTestEvent("conversion.created", { id: "msg_same", merchantId: "mer_a" });
    const b = createTestEvent("conversion.created", { id: "msg_same", merchantId: "mer_b" });
    const seen: string[] = [];
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      on: { "conversion.created": (event) => void seen.push(event.merchantId) },
    });
    kit.defer(() => worker.close());
    for (const event of [a, b, a, b]) expect((await handler(signedRequest({ body: JSON.stringify(event) }))).status).toBe(202);
    await vi.waitFor(() => expect(seen.sort()).toEqual(["mer_a", "mer_b"]), { timeout: 10_000, interval: 50 });
    expect(Object.values(await queue.getJobCounts()).reduce((x, y) => x + y, 0)).toBe(2);
  });

  it("two Agiled organisations with the same per-organisation id are both queued", async () => {
    const queue = kit.queue("agiled-orgs");
    const handler = createHandler({ provider: agiled, secret: AGILED_SECRET, logger: {}, enqueue: bullmqEnqueue(queue, { provider: agiled, logger: {} }) });
    const orgs: string[] = [];
    const worker = createWorker({
      provider: agiled,
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      on: { "invoice.paid": (event) => void orgs.push(String(event.organization_id)) },
    });
    kit.defer(() => worker.close());
    for (const org of [1, 2]) {
      const event = createTestEvent("invoice.paid", { id: 7, organization_id: org } as never, { provider: agiled });
      const request = await createSignedRequest(event, { secret: AGILED_SECRET, provider: agiled });
      expect((await handler(request)).status).toBe(202);
    }
    await vi.waitFor(() => expect(orgs.sort()).toEqual(["1", "2"]), { timeout: 10_000, interval: 50 });
  });

  it("accepts and processes a deeply nested payload that inline mode accepts", async () => {
    const queue = kit.queue("deep");
    const depth = 20_000;
    const body = JSON.stringify(createTestEvent("conversion.created", { id: "msg_deep" })).replace(
      /"metadata":\{\}|}$/,
      (m) => (m === "}" ? `,"nested":${"[".repeat(depth)}${"]".repeat(depth)}}` : m),
    );
    const inline = createHandler({ secret: TEST_SECRET, logger: {}, on: { "conversion.created": () => {} } });
    expect((await inline(signedRequest({ body }))).status).toBe(200);

    const queued = createHandler({ secret: TEST_SECRET, logger: {}, enqueue: bullmqEnqueue(queue) });
    expect((await queued(signedRequest({ body }))).status).toBe(202);
    const bodies: string[] = [];
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      on: { "conversion.created": (_event, ctx) => void bodies.push(ctx.rawBody) },
    });
    kit.defer(() => worker.close());
    await vi.waitFor(() => expect(bodies).toEqual([body]), { timeout: 10_000, interval: 50 });
  });

  it("a job queued by 0.1.0 (the parsed envelope, no key) is still processed after an upgrade", async () => {
    const queue = kit.queue("v1-backlog");
    const event = createTestEvent("conversion.created", { id: "msg_v1_backlog" });
    const meta = { deliveryId: event.id, eventId: event.id, timestamp: 1_700_000_000, receivedAt: new Date().toISOString(), provider: "agentref" };
    await queue.add(event.type, { v: 1, event, meta } as never, { jobId: "agentref@msg_v1_backlog" });
    const seen: string[] = [];
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      on: { "conversion.created": (e, ctx) => void seen.push(`${e.id} ${ctx.jobId} ${JSON.parse(ctx.rawBody).id}`) },
    });
    kit.defer(() => worker.close());
    await vi.waitFor(() => expect(seen).toEqual(["msg_v1_backlog agentref@msg_v1_backlog msg_v1_backlog"]), { timeout: 10_000, interval: 50 });
  });
});

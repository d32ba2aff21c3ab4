// OpenTelemetry with the real SDK (in-memory exporters, no mocks): the span tree and its
// attributes per outcome, metric values after a known sequence, and one trace from the
// receiver through the queue to the worker.
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { context, trace, type Span } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createHandler, createMemoryStore, WebhookError, type CreateHandlerOptions, type IdempotencyStore } from "agentref-webhooks";
import { bullmqEnqueue, createWorker } from "agentref-webhooks/bullmq";
import { otel } from "agentref-webhooks/otel";
import { createTestEvent } from "agentref-webhooks/testing";
import { redisUrl } from "../../helpers/services.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";
import { createQueueKit } from "../queue/queue-kit.js";

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const tracer = tracerProvider.getTracer("test");
const manager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(manager.enable()));
afterAll(() => void context.disable());
afterEach(() => spans.reset());

const telemetry = otel({ tracer });
const conversion = createTestEvent("conversion.created", { id: "msg_otel" });
const body = JSON.stringify(conversion);

function tree(): { root: ReadableSpan; children: string[] } {
  const all = spans.getFinishedSpans();
  const root = all.find((s) => s.name === "webhook receive")!;
  const children = all.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId).map((s) => s.name);
  return { root, children };
}

function handlerWith(options: Partial<CreateHandlerOptions> = {}) {
  return createHandler({ secret: TEST_SECRET, logger: {}, telemetry, on: { "conversion.created": () => {} }, ...options } as CreateHandlerOptions);
}

describe("spans", () => {
  it("handled: a delivery span with its attributes and child spans for verification, the store and the handler", async () => {
    let inner: Span | undefined;
    const handler = handlerWith({ on: { "conversion.created": () => void (inner = tracer.startSpan("user work")).end() } });
    expect((await handler(signedRequest({ body }))).status).toBe(200);
    const { root, children } = tree();
    expect(root.attributes).toMatchObject({
      "webhook.provider": "agentref",
      "webhook.event.type": "conversion.created",
      "webhook.event.id": "msg_otel",
      "webhook.delivery.id": "msg_otel",
      "webhook.outcome": "handled",
      "http.response.status_code": 200,
    });
    expect(typeof root.attributes["webhook.attempt.timestamp"]).toBe("number");
    expect(children).toEqual(["webhook verify", "webhook store.claim", "webhook handler", "webhook store.complete"]);
    // The user's own span nests under the handler step.
    const handlerSpan = spans.getFinishedSpans().find((s) => s.name === "webhook handler")!;
    const userSpan = spans.getFinishedSpans().find((s) => s.name === "user work")!;
    expect(inner).toBeDefined();
    expect(userSpan.parentSpanContext?.spanId).toBe(handlerSpan.spanContext().spanId);
    expect(userSpan.spanContext().traceId).toBe(root.spanContext().traceId);
  });

  const cases: { name: string; setup: () => Promise<Response>; outcome: string; status: number; errorType?: string; children: string[] }[] = [
    {
      name: "duplicate",
      setup: async () => {
        const h = handlerWith();
        await h(signedRequest({ body }));
        spans.reset();
        return h(signedRequest({ body }));
      },
      outcome: "duplicate",
      status: 200,
      children: ["webhook verify", "webhook store.claim"],
    },
    { name: "unhandled", setup: () => handlerWith({ on: {} })(signedRequest({ body })), outcome: "unhandled", status: 200, children: ["webhook verify"] },
    {
      name: "unknown",
      setup: () => handlerWith()(signedRequest({ body: JSON.stringify({ ...conversion, type: "brand.new" }) })),
      outcome: "unknown",
      status: 200,
      children: ["webhook verify"],
    },
    { name: "filtered", setup: () => handlerWith({ environment: "preview" })(signedRequest({ body })), outcome: "filtered", status: 200, children: ["webhook verify"] },
    {
      name: "tampered (401)",
      setup: () => handlerWith()(signedRequest({ body, headers: { "svix-signature": "v1,AAAA" } })),
      outcome: "rejected",
      status: 401,
      errorType: "INVALID_SIGNATURE",
      children: ["webhook verify"],
    },
    { name: "too large (413)", setup: () => handlerWith({ maxBodyBytes: 10 })(signedRequest({ body })), outcome: "rejected", status: 413, errorType: "BODY_TOO_LARGE", children: [] },
    {
      name: "invalid payload (422)",
      setup: () => handlerWith()(signedRequest({ body: JSON.stringify({ ...conversion, data: { ...conversion.data, commissionAmount: "x" } }) })),
      outcome: "rejected",
      status: 422,
      errorType: "INVALID_PAYLOAD",
      children: ["webhook verify"],
    },
    {
      name: "handler failed (500)",
      setup: () => handlerWith({ on: { "conversion.created": () => Promise.reject(new Error("boom")) } })(signedRequest({ body })),
      outcome: "failed",
      status: 500,
      errorType: "HANDLER_FAILED",
      children: ["webhook verify", "webhook store.claim", "webhook handler", "webhook store.release"],
    },
    {
      name: "store unavailable (503)",
      setup: () => {
        const down: IdempotencyStore = {
          settings: createMemoryStore({ logger: {} }).settings,
          claim: () => Promise.reject(new WebhookError("STORE_UNAVAILABLE", "down")),
          complete: () => Promise.resolve(false),
          release: () => Promise.resolve(false),
          renew: () => Promise.resolve(false),
        };
        return handlerWith({ store: down })(signedRequest({ body }));
      },
      outcome: "failed",
      status: 503,
      errorType: "STORE_UNAVAILABLE",
      children: ["webhook verify", "webhook store.claim"],
    },
    { name: "not a POST (405)", setup: () => handlerWith()(new Request("http://x/", { method: "GET" })), outcome: "rejected", status: 405, errorType: "METHOD_NOT_ALLOWED", children: [] },
  ];
  for (const c of cases) {
    it(`${c.name}: outcome, status${c.errorType ? ", error.type" : ""} and child spans`, async () => {
      expect((await c.setup()).status).toBe(c.status);
      const { root, children } = tree();
      expect(root.attributes["webhook.outcome"]).toBe(c.outcome);
      expect(root.attributes["http.response.status_code"]).toBe(c.status);
      expect(root.attributes["error.type"]).toBe(c.errorType);
      expect(children).toEqual(c.children);
      // Server spans are errors only for the receiver's own failures (5xx), as the HTTP conventions say.
      expect(root.status.code).toBe(c.status >= 500 ? 2 : 0);
      if (c.status >= 500) expect(root.events.some((e) => e.name === "exception")).toBe(true);
    });
  }
});

describe("metrics", () => {
  it("counts deliveries by outcome and status, and records delivery and store durations", async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, telemetry: otel({ tracer, meter: meterProvider.getMeter("test") }), on: { "conversion.created": () => {} } });
    for (const id of ["m1", "m2", "m1"]) await handler(signedRequest({ body: JSON.stringify({ ...conversion, id }) }));
    await handler(signedRequest({ body, headers: { "svix-signature": "v1,AAAA" } }));
    await reader.forceFlush();
    const metrics = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const byName = (name: string) => metrics.find((m) => m.descriptor.name === name)!;
    const counts = byName("webhook.deliveries").dataPoints.map((p) => [p.attributes["webhook.outcome"], p.attributes["http.response.status_code"], p.value]);
    expect(counts.sort()).toEqual([["duplicate", 200, 1], ["handled", 200, 2], ["rejected", 401, 1]].sort());
    const durations = byName("webhook.delivery.duration").dataPoints.reduce((n, p) => n + (p.value as { count: number }).count, 0);
    expect(durations).toBe(4);
    const store = byName("webhook.store.duration").dataPoints.map((p) => [p.attributes["webhook.store.operation"], (p.value as { count: number }).count]);
    expect(store.sort()).toEqual([["claim", 3], ["complete", 2]].sort());
    await meterProvider.shutdown();
  });
});

const url = redisUrl();
describe.skipIf(url === undefined)("queue mode", () => {
  const kit = createQueueKit(url ?? "");
  afterEach(() => kit.cleanup());

  it("the worker's span joins the receiver's trace", async () => {
    const queue = kit.queue("otel");
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, telemetry, enqueue: bullmqEnqueue(queue) });
    expect((await handler(signedRequest({ body }))).status).toBe(202);
    const handled = vi.fn();
    const worker = createWorker({ queueName: queue.name, connection: kit.connection, logger: {}, telemetry, on: { "conversion.created": handled } });
    kit.defer(() => worker.close());
    await vi.waitFor(() => expect(spans.getFinishedSpans().some((s) => s.name === "webhook process")).toBe(true), { timeout: 10_000, interval: 50 });
    const all = spans.getFinishedSpans();
    const receive = all.find((s) => s.name === "webhook receive")!;
    const process = all.find((s) => s.name === "webhook process")!;
    expect(all.find((s) => s.name === "webhook enqueue")?.parentSpanContext?.spanId).toBe(receive.spanContext().spanId);
    expect(process.spanContext().traceId).toBe(receive.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(receive.spanContext().spanId);
    expect(process.attributes).toMatchObject({ "webhook.event.id": "msg_otel", "webhook.outcome": "handled" });
    expect(all.find((s) => s.name === "webhook handler")?.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    expect(handled).toHaveBeenCalledTimes(1);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

// Prints the spans of one webhook delivery: run with `npx tsx examples/otel/print-spans.ts`.
// Your app registers its own SDK and exporter (OTLP, Honeycomb, Datadog…); `otel()` uses
// the global tracer and meter providers unless you pass a tracer and a meter.
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createHandler } from "agentref-webhooks";
import { otel } from "agentref-webhooks/otel";
import { createSignedRequest, createTestEvent, generateSecret } from "agentref-webhooks/testing";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const secret = generateSecret();
const handler = createHandler({
  secret,
  telemetry: otel({ tracer: provider.getTracer("example") }),
  on: {
    "conversion.created": async (event) => {
      console.log(`handled ${event.id}: ${event.data.commissionAmount} ${event.data.currency}`);
    },
  },
});

const request = await createSignedRequest(createTestEvent("conversion.created"), { secret });
const response = await handler(request);
console.log(`answered ${response.status}`);

const spans = exporter.getFinishedSpans();
const root = spans.find((span) => span.name === "webhook receive")!;
const print = (span: (typeof spans)[number], depth: number): void => {
  const ms = (span.duration[0] * 1e3 + span.duration[1] / 1e6).toFixed(2);
  const attributes = depth === 0 ? ` ${JSON.stringify(span.attributes)}` : "";
  console.log(`${"  ".repeat(depth)}${span.name} (${ms} ms)${attributes}`);
  for (const child of spans.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId)) print(child, depth + 1);
};
print(root, 0);

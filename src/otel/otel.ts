import {
  context,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Meter,
  type Tracer,
} from "@opentelemetry/api";
import type { SpanAttributes, Telemetry } from "../lifecycle/telemetry.js";

/**
 * Options of {@link otel}.
 * @example otel({ tracer: provider.getTracer("webhooks"), meter: meterProvider.getMeter("webhooks") });
 */
export interface OtelOptions {
  /** Default: `trace.getTracer("agentref-webhooks")` from the global tracer provider. */
  tracer?: Tracer;
  /** Default: `metrics.getMeter("agentref-webhooks")` from the global meter provider. */
  meter?: Meter;
}

const clean = (attributes: SpanAttributes): Attributes =>
  Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Attributes;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The parent context a queued job carries, as a W3C `traceparent`, whatever propagator is configured. */
function parentFrom(carrier: Record<string, string> | undefined): Context {
  const match = carrier?.traceparent ? TRACEPARENT.exec(carrier.traceparent) : null;
  if (!match) return context.active();
  return trace.setSpanContext(context.active(), { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16), isRemote: true });
}

/**
 * OpenTelemetry for the `telemetry` option (optional peer `@opentelemetry/api`): a span per delivery or job, a child per
 * step, and the metrics `webhook.deliveries`, `webhook.delivery.duration` and `webhook.store.duration`.
 * @example export const POST = createHandler({ secret: process.env.AGENTREF_WEBHOOK_SECRET!, telemetry: otel(), on: {} });
 */
export function otel(options: OtelOptions = {}): Telemetry {
  // Resolved on first use: a global provider registered after the handler was created still counts.
  let instruments: ReturnType<typeof create> | undefined;
  const create = () => {
    const tracer = options.tracer ?? trace.getTracer("agentref-webhooks");
    const meter = options.meter ?? metrics.getMeter("agentref-webhooks");
    return {
      tracer,
      deliveries: meter.createCounter("webhook.deliveries", { description: "Webhook deliveries answered, by outcome and status" }),
      duration: meter.createHistogram("webhook.delivery.duration", { unit: "s", description: "Time from the first byte read to the answer" }),
      store: meter.createHistogram("webhook.store.duration", { unit: "s", description: "Idempotency store operations" }),
    };
  };

  return {
    start(kind, attributes, carrier) {
      instruments ??= create();
      const { tracer, deliveries, duration, store } = instruments;
      const started = performance.now();
      const parent = kind === "process" ? parentFrom(carrier) : context.active();
      const span = tracer.startSpan(`webhook ${kind}`, { kind: kind === "process" ? SpanKind.CONSUMER : SpanKind.SERVER, attributes: clean(attributes) }, parent);
      const inSpan = trace.setSpan(parent, span);
      const known: SpanAttributes = { ...attributes };

      return {
        set(more) {
          Object.assign(known, more);
          span.setAttributes(clean(more));
        },
        async step(name, run) {
          const child = tracer.startSpan(`webhook ${name}`, { kind: SpanKind.INTERNAL }, inSpan);
          const stepStarted = performance.now();
          try {
            return await context.with(trace.setSpan(inSpan, child), run);
          } catch (error) {
            const code = (error as { code?: unknown })?.code;
            if (typeof code === "string") child.setAttribute("error.type", code);
            child.recordException(error as Error);
            child.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
            throw error;
          } finally {
            child.end();
            if (name.startsWith("store.")) store.record((performance.now() - stepStarted) / 1000, { "webhook.store.operation": name.slice(6) });
          }
        },
        carrier() {
          const { traceId, spanId, traceFlags } = span.spanContext();
          return { traceparent: `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED ? 1 : 0).toString(16).padStart(2, "0")}` };
        },
        end({ status, outcome, error }) {
          span.setAttributes({ "webhook.outcome": outcome, "http.response.status_code": status });
          if (error) {
            span.setAttribute("error.type", error.code);
            if (status >= 500) {
              span.recordException((error.cause as Error) ?? { name: error.code, message: error.message });
              span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
            }
          }
          span.end();
          const labels = clean({ "webhook.outcome": outcome, "http.response.status_code": status, "webhook.provider": known["webhook.provider"], "webhook.event.type": known["webhook.event.type"] });
          deliveries.add(1, labels);
          duration.record((performance.now() - started) / 1000, labels);
        },
      };
    },
  };
}

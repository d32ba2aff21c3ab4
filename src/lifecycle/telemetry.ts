// The lifecycle's telemetry seam: `agentref-webhooks/otel` implements it, so nothing else imports `@opentelemetry/api`.

/** What a delivery's span is told as the steps learn it. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** A step of the lifecycle that telemetry times (the store's are also measured as `webhook.store.duration`). */
export type StepName = "verify" | "handler" | "enqueue" | `store.${StoreStep}`;

type StoreStep = "claim" | "claim_entity" | "complete" | "release" | "release_entity" | "park";

/** One delivery (or one queued job) being traced. */
export interface DeliverySpan {
  set(attributes: SpanAttributes): void;
  /** Runs one step in a child span (errors recorded with their code) and times it. */
  step<T>(name: StepName, run: () => Promise<T> | T): Promise<T>;
  /** The trace context to carry with a queued job (W3C `traceparent`), so the worker's span joins this trace. */
  carrier(): Record<string, string>;
  end(result: { status: number; outcome: string; error?: { code: string; message: string; cause?: unknown } | undefined }): void;
}

/**
 * The `telemetry` option: `otel()` from `agentref-webhooks/otel`, or your own.
 * @example createHandler({ secret, telemetry: otel(), on });
 */
export interface Telemetry {
  /** Starts the span of one delivery (`kind: "receive"`) or one queued job (`"process"`, continuing `carrier`'s trace). */
  start(kind: "receive" | "process", attributes: SpanAttributes, carrier?: Record<string, string>): DeliverySpan;
}

/** What the lifecycle uses when telemetry is off: every step just runs (no promise of its own). */
export const noSpan: DeliverySpan = {
  set() {},
  step: (_name, run) => run() as Promise<never>,
  carrier: () => ({}),
  end() {},
};

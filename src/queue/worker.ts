// Over 200 lines: the public option types, then createWorker, one closure whose steps (context,
// decode, park, dead-letter, processor, stalled-job listener) share its options.
import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type WorkerOptions } from "bullmq";
import type { Ignore } from "../handler/types.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import type { HandlerContext } from "../lifecycle/context.js";
import { decode } from "../lifecycle/decode.js";
import { receivedDelivery } from "../lifecycle/authenticate.js";
import { createRouter } from "../lifecycle/route.js";
import { noSpan, type Telemetry } from "../lifecycle/telemetry.js";
import type { AnyProvider, EventTypeOf, ProviderEvent, ProviderEventOf } from "../provider/define-provider.js";
import { UnknownEvent } from "../provider/unknown-event.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";
import { toLogger, type LoggerInput } from "../util/logger.js";
import { DEFAULT_BACKOFF, toBullmqBackoff, type WorkerBackoff } from "./backoff.js";
import { readQueuedDelivery, type QueuedDelivery } from "./job-data.js";
import { nowSeconds } from "../verify/timestamp.js";

/**
 * The `HandlerContext` of `createHandler` (rebuilt from the job) plus the attempt and the
 * BullMQ job. Key once-only side effects by `eventId`.
 *
 * @example
 * on: {
 *   "payout.failed": async (event, ctx) => {
 *     if (ctx.attempt === ctx.maxAttempts) await page("last try for " + ctx.eventId);
 *   },
 * }
 */
export interface WorkerContext extends HandlerContext {
  /** This attempt, 1-based. A job recovered after a crashed worker keeps its attempt number. */
  attempt: number;
  /** The worker's `attempts`: after this many failures the event is dead-lettered. */
  maxAttempts: number;
  /** The BullMQ job id: the event's idempotency key (`meta.key` of the delivery). */
  jobId: string;
  /** The BullMQ job, for `job.log()` or `job.updateProgress()`. */
  job: Job<QueuedDelivery, WorkerJobResult>;
}

/**
 * A typed worker handler for one event type.
 *
 * @example
 * const onFailed: WorkerEventHandler<PayoutFailedEvent> = async (event, ctx) => notify(event.data.failureReason, ctx.attempt);
 */
export type WorkerEventHandler<E> = (event: E, ctx: WorkerContext) => unknown;

/**
 * The worker's `on` map: `createHandler`'s `HandlerMap` with a `WorkerContext` (any
 * `HandlerMap` is assignable to it).
 *
 * @example
 * const on: WorkerHandlerMap = { "conversion.created": async (event, ctx) => credit(event.data.commissionAmount, ctx.eventId) };
 */
export type WorkerHandlerMap<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false> = Exhaustive extends true
  ? { [T in EventTypeOf<P>]: WorkerEventHandler<ProviderEventOf<P, T>> | Ignore }
  : { [T in EventTypeOf<P>]?: WorkerEventHandler<ProviderEventOf<P, T>> | Ignore };

/**
 * What a completed job returns (kept as BullMQ's `returnvalue`).
 *
 * @example
 * const job = await queue.getJob(jobId);
 * job?.returnvalue?.outcome; // "handled"
 */
export interface WorkerJobResult {
  outcome: "handled" | "ignored" | "unhandled" | "unknown";
}

/**
 * The worker's `parking` option: where dead letters are kept for `replayParked`.
 *
 * @example
 * createWorker({ queueName, connection, on, parking: { store: createRedisStore({ client }) } });
 */
export interface WorkerParking {
  /** A durable store with `park`, `listParked` and `unpark` (every built-in one); share it with an inline receiver to replay both together. */
  store: IdempotencyStore;
}

/**
 * Options of {@link createWorker}.
 *
 * @example
 * createWorker({ queueName: "agentref-webhooks", connection: { host: "127.0.0.1", port: 6379 }, on: {}, attempts: 5 });
 */
export interface CreateWorkerOptions<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false> {
  /** The queue `bullmqEnqueue` adds to. */
  queueName: string;
  /** Redis connection options or an ioredis instance (BullMQ requires `maxRetriesPerRequest: null` on it). */
  connection: ConnectionOptions;
  /** Whose events these are; must match the receiver's. Default: AgentRef. */
  provider?: P;
  /** Typed handlers by event type, as in `createHandler`. */
  on: WorkerHandlerMap<P, Exhaustive>;
  /** Require every event type in `on` (a handler or `"ignore"`). */
  exhaustive?: Exhaustive;
  /** A known type with no handler in `on`. Without it such jobs complete untouched. */
  onUnhandled?: (event: ProviderEvent<P>, ctx: WorkerContext) => unknown;
  /** A type not in the catalog. Without it such jobs complete untouched. */
  onUnknown?: (event: UnknownEvent, ctx: WorkerContext) => unknown;
  /** Jobs processed at once by this worker. Default 1. */
  concurrency?: number;
  /** Attempts in all, the first included. Default 8. Governs every job this worker takes. */
  attempts?: number;
  /** Delay before each retry. Default exponential from 5 s (5, 10, 20, … 320 s). */
  backoff?: WorkerBackoff;
  /**
   * Called once per event after its last attempt failed, or when it can never succeed
   * (`UnrecoverableError`, a rejected payload, too many stalls), with the last error.
   */
  onDeadLetter?: (event: ProviderEvent<P> | UnknownEvent, error: Error, ctx: WorkerContext) => unknown;
  /**
   * Park dead letters (keyed by job id) in `parking.store` and remove them from BullMQ's
   * failed set, so that `replayParked` (or `agentref-webhooks replay`) can deliver them
   * again once fixed. `onDeadLetter` still runs. If the store cannot be written, the job
   * stays in the failed set. Default off.
   *
   * @example
   * createWorker({ queueName, connection, on, parking: { store: createSqliteStore({ path: "webhooks.db" }) } });
   */
  parking?: WorkerParking;
  /** Re-validate strictly (unknown fields and enum values rejected). Default false. */
  strict?: boolean;
  /** Structured logger (`console`, pino, winston). Default: warnings and errors to the console. */
  logger?: LoggerInput;
  /** Traces and metrics per job (`otel()` from `agentref-webhooks/otel`); the job's span joins the receiver's trace. */
  telemetry?: Telemetry;
  /** Any other BullMQ worker option (`lockDuration`, `stalledInterval`, `maxStalledCount`, `autorun`, …). */
  workerOptions?: Omit<WorkerOptions, "connection" | "concurrency">;
}

/**
 * Default `attempts` of {@link createWorker}.
 *
 * @example
 * createWorker({ queueName, connection, on, attempts: DEFAULT_WORKER_ATTEMPTS });
 */
export const DEFAULT_WORKER_ATTEMPTS = 8;

type AnyHandler = (event: unknown, ctx: WorkerContext) => unknown;

/**
 * A BullMQ `Worker` running a typed handler map. `close()` waits for in-flight jobs
 * and for dead-letter hooks still running.
 *
 * @example
 * const worker = createWorker({ queueName, connection, on: {} });
 * process.on("SIGTERM", () => void worker.close());
 */
export class WebhookWorker extends Worker<QueuedDelivery, WorkerJobResult> {
  /** @internal Dead-letter hooks started from "failed" events, awaited by close(). */
  readonly pendingHooks = new Set<Promise<unknown>>();

  override async close(force = false): Promise<void> {
    await super.close(force);
    await Promise.allSettled([...this.pendingHooks]);
  }
}

/**
 * Starts a BullMQ worker for the jobs `bullmqEnqueue` adds: each event is re-validated
 * and routed through the same typed handler map as `createHandler`.
 *
 * A handler that throws is retried with this worker's `backoff` until `attempts` failed
 * (throw `UnrecoverableError` to stop early); then `onDeadLetter` runs once. A worker
 * that dies mid-job loses nothing (BullMQ hands the job on after `lockDuration`), so
 * side effects run at least once: key them by `ctx.eventId`.
 *
 * @example
 * const worker = createWorker({
 *   queueName: "agentref-webhooks",
 *   connection: { host: "127.0.0.1", port: 6379 },
 *   on: { "conversion.created": async (event, ctx) => credit(event.data.commissionAmount, { key: ctx.eventId }) },
 *   onDeadLetter: async (event, error) => alert(`${event.type}: ${error.message}`),
 * });
 */
export function createWorker<P extends AnyProvider = AgentRefProvider, E extends boolean = false>(
  options: CreateWorkerOptions<P, E>,
): WebhookWorker {
  const provider: AnyProvider = options.provider ?? agentref;
  const logger = toLogger(options.logger);
  const attempts = options.attempts ?? DEFAULT_WORKER_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`createWorker: attempts must be an integer ≥ 1, got ${String(attempts)}.`);
  }
  const parkingStore = parkingStoreOf(options.parking);
  const route = createRouter<WorkerContext>(provider, "createWorker", options as never);
  const { workerOptions = {} } = options;
  const backoff = toBullmqBackoff(options.backoff ?? DEFAULT_BACKOFF, workerOptions.settings?.backoffStrategy);
  const onDeadLetter = options.onDeadLetter as ((event: unknown, error: Error, ctx: WorkerContext) => unknown) | undefined;
  // The "failed" listener only acts on failures BullMQ raised without the processor.
  const fromProcessor = new WeakSet<Error>();

  const contextOf = (job: Job<QueuedDelivery, WorkerJobResult>, attempt: number, signal: AbortSignal): WorkerContext => {
    const data: Partial<QueuedDelivery> = readQueuedDelivery(job.data, String(job.id)) ?? {};
    return {
      deliveryId: data.meta?.deliveryId ?? String(job.id),
      eventId: data.meta?.eventId ?? String(job.id),
      timestamp: data.meta?.timestamp ?? nowSeconds(job.timestamp),
      receivedAt: new Date(data.meta?.receivedAt ?? job.timestamp),
      rawBody: data.body ?? "",
      provider: data.meta?.provider ?? provider.name,
      signal,
      attempt,
      maxAttempts: attempts,
      jobId: String(job.id),
      job,
    };
  };

  const decodeJob = (data: QueuedDelivery) =>
    decode(provider, receivedDelivery({}, data.body).json(), { strict: options.strict ?? false, deliveryId: data.meta.deliveryId });

  // Never throws: a job whose data cannot be read is still dead-lettered with what it has.
  const eventOf = (job: Job<QueuedDelivery, WorkerJobResult>): ProviderEvent<P> | UnknownEvent => {
    const data = readQueuedDelivery(job.data, String(job.id));
    try {
      if (data) return decodeJob(data).event as ProviderEvent<P> | UnknownEvent;
    } catch {
      // Not decodable with this catalog: hand over the envelope as it was sent.
    }
    let raw: Record<string, unknown> = {};
    try {
      const parsed: unknown = data ? JSON.parse(data.body) : undefined;
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) raw = parsed as Record<string, unknown>;
    } catch {
      // not JSON either
    }
    return new UnknownEvent(data?.meta.eventId ?? String(job.id), job.name, raw.data, raw);
  };

  // True when parked: the caller then removes the failed job, so a replay's add is no duplicate.
  const park = async (job: Job<QueuedDelivery, WorkerJobResult>, error: Error): Promise<boolean> => {
    const data = readQueuedDelivery(job.data, String(job.id));
    if (!parkingStore || !data) return false;
    try {
      await parkingStore.park!({
        key: String(job.id),
        provider: data.meta.provider,
        eventId: data.meta.eventId,
        type: job.name,
        body: data.body,
        parkedAt: Date.now(),
        reason: error.message,
      });
      return true;
    } catch (err) {
      logger.error?.("the dead-lettered job could not be parked; it stays in the failed set", { jobId: String(job.id), err: String(err) });
      return false;
    }
  };

  const deadLetter = async (event: unknown, error: Error, ctx: WorkerContext, parked = false) => {
    logger.error?.(parked ? "webhook job dead-lettered and parked; replay it with replayParked once fixed" : "webhook job dead-lettered", {
      jobId: ctx.jobId,
      type: ctx.job.name,
      attempt: ctx.attempt,
      err: error.message,
    });
    if (!onDeadLetter) return;
    try {
      await onDeadLetter(event, error, ctx);
    } catch (err) {
      // A failing hook must not turn into another attempt of the handler.
      logger.error?.("onDeadLetter threw", { jobId: ctx.jobId, err: String(err) });
    }
  };

  const processor = async (job: Job<QueuedDelivery, WorkerJobResult>, _token?: string, signal?: AbortSignal): Promise<WorkerJobResult> => {
    // BullMQ decides on a retry from the Job instance's opts when the processor throws,
    // so setting them here makes this worker's policy govern every job it takes.
    job.opts.attempts = attempts;
    job.opts.backoff = backoff.options;
    const attempt = job.attemptsMade + 1;
    const ctx = contextOf(job, attempt, signal ?? new AbortController().signal);

    let event: ProviderEvent<P> | UnknownEvent | undefined;
    const data = readQueuedDelivery(job.data, String(job.id));
    const meta = data?.meta;
    const span = options.telemetry
      ? options.telemetry.start(
          "process",
          { "webhook.provider": provider.name, "webhook.event.type": job.name, "webhook.event.id": meta?.eventId, "webhook.delivery.id": meta?.deliveryId, "webhook.job.attempt": attempt },
          meta?.trace,
        )
      : noSpan;
    try {
      if (!data) {
        throw new UnrecoverableError(`Job ${String(job.id)} does not hold an agentref-webhooks delivery (was it added by bullmqEnqueue?).`);
      }
      if (data.meta.provider !== provider.name) {
        throw new UnrecoverableError(
          `Job ${String(job.id)} holds a ${data.meta.provider} event but this worker reads ${provider.name} events: give createWorker the same provider as createHandler, or use one queue per provider.`,
        );
      }
      let decoded: ReturnType<typeof decodeJob>;
      try {
        decoded = decodeJob(data);
      } catch (cause) {
        // The same bytes will fail the same way on every attempt: no retries.
        throw new UnrecoverableError(`Job ${String(job.id)}: ${String((cause as Error)?.message ?? cause)}`);
      }
      event = decoded.event as ProviderEvent<P> | UnknownEvent;
      const { outcome, run } = route(decoded);
      if (run) await span.step("handler", () => run(event, ctx));
      span.end({ status: 200, outcome });
      return { outcome };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown), { cause: thrown });
      const final = attempt >= attempts || error.name === "UnrecoverableError";
      fromProcessor.add(error);
      span.end({ status: 500, outcome: final ? "dead-lettered" : "failed", error: { code: error.name, message: error.message, cause: error } });
      if (!final) {
        logger.warn?.("webhook job failed; will retry", { jobId: ctx.jobId, type: job.name, attempt, maxAttempts: attempts, err: error });
        throw error;
      }
      const parked = await park(job, error);
      if (!parked) {
        await deadLetter(event ?? eventOf(job), error, ctx);
        throw error;
      }
      // Parked: BullMQ removes the job as it records the failure (one step in Redis), right
      // away, so that a replay finds no job to be taken for; the hook runs meanwhile.
      job.opts.removeOnFail = true;
      track(deadLetter(event ?? eventOf(job), error, ctx, true));
      throw error;
    }
  };

  // close() waits for these.
  const track = (hook: Promise<unknown>) => {
    worker.pendingHooks.add(hook);
    void hook.finally(() => worker.pendingHooks.delete(hook));
  };

  const worker = new WebhookWorker(options.queueName, processor, {
    ...workerOptions,
    connection: options.connection,
    concurrency: options.concurrency ?? 1,
    ...(backoff.strategy ? { settings: { ...workerOptions.settings, backoffStrategy: backoff.strategy } } : {}),
  });

  // Final failures that never reached the processor's last attempt: a job that stalled
  // more often than maxStalledCount, or exceeded maxStartedAttempts.
  worker.on("failed", (job, error) => {
    if (!job || fromProcessor.has(error) || !(error.name === "UnrecoverableError" || job.finishedOn)) return;
    track((async () => {
      const parked = await park(job, error);
      if (parked) {
        await job.remove().catch((err: unknown) => {
          logger.error?.("a parked job could not be removed from the failed set: remove it before replaying", { jobId: String(job.id), err: String(err) });
        });
      }
      await deadLetter(eventOf(job), error, contextOf(job, job.attemptsMade, AbortSignal.abort()), parked);
    })());
  });
  // An EventEmitter without an "error" listener throws: log instead (users may add theirs).
  worker.on("error", (err) => logger.error?.("BullMQ worker error", { queue: options.queueName, err: String(err) }));
  return worker;
}

/** The parking store, checked once at creation; undefined when parking is off. */
function parkingStoreOf(parking: WorkerParking | undefined): IdempotencyStore | undefined {
  if (parking === undefined) return undefined;
  const store = (parking as Partial<WorkerParking> | null)?.store;
  const missing = (["park", "listParked", "unpark"] as const).filter((method) => typeof store?.[method] !== "function");
  if (missing.length > 0) {
    throw new TypeError(
      `createWorker: parking needs { store } with a store that implements ${missing.join(", ")}. Every built-in store does (SQLite, D1, Redis, PostgreSQL).`,
    );
  }
  return store;
}

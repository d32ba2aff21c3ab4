// Over 200 lines: the public option types, then createWorker, one closure whose steps (context,
// decode, park, dead-letter, processor, stalled-job listener) share its options.
import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type WorkerOptions } from "bullmq";
import type { EventHandler, HandlerMap, SharedOptions } from "../handler/types.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import type { HandlerContext } from "../lifecycle/context.js";
import { decode } from "../lifecycle/decode.js";
import { envelopeOf, receivedDelivery } from "../lifecycle/authenticate.js";
import { createRouter } from "../lifecycle/route.js";
import { noSpan } from "../lifecycle/telemetry.js";
import type { AnyProvider, ProviderEvent } from "../provider/define-provider.js";
import { UnknownEvent } from "../provider/unknown-event.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";
import { messageOf } from "../errors/index.js";
import { toLogger } from "../util/logger.js";
import { positiveInteger, requireMethods } from "../util/options.js";
import { DEFAULT_BACKOFF, toBullmqBackoff, type WorkerBackoff } from "./backoff.js";
import { readQueuedDelivery, type QueuedDelivery } from "./job-data.js";
import { nowSeconds } from "../verify/timestamp.js";

/**
 * The `HandlerContext` of `createHandler` (rebuilt from the job) plus the attempt and the BullMQ job.
 * @example on: { "payout.failed": async (event, ctx) => ctx.attempt === ctx.maxAttempts && page(`last try for ${ctx.eventId}`) }
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
 * @example const onFailed: WorkerEventHandler<PayoutFailedEvent> = async (event, ctx) => notify(event.data.failureReason, ctx.attempt);
 */
export type WorkerEventHandler<E> = EventHandler<E, WorkerContext>;

/**
 * The worker's `on` map: `createHandler`'s `HandlerMap` with a `WorkerContext` (any `HandlerMap` fits).
 * @example const on: WorkerHandlerMap = { "conversion.created": async (event, ctx) => credit(event.data.commissionAmount, ctx.eventId) };
 */
export type WorkerHandlerMap<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false> = HandlerMap<P, Exhaustive, WorkerContext>;

/**
 * What a completed job returns (kept as BullMQ's `returnvalue`).
 * @example (await queue.getJob(jobId))?.returnvalue?.outcome; // "handled"
 */
export interface WorkerJobResult {
  outcome: "handled" | "ignored" | "unhandled" | "unknown";
}

/**
 * The worker's `parking` option: where dead letters are kept for `replayParked`.
 * @example createWorker({ queueName, connection, on, parking: { store: createRedisStore({ client }) } });
 */
export interface WorkerParking {
  /** A durable store with `park`, `listParked` and `unpark` (every built-in one); share it with an inline receiver to replay both together. */
  store: IdempotencyStore;
}

/**
 * Options of {@link createWorker}.
 * @example createWorker({ queueName: "agentref-webhooks", connection: { host: "127.0.0.1", port: 6379 }, on: {}, attempts: 5 });
 */
export interface CreateWorkerOptions<P extends AnyProvider = AgentRefProvider, Exhaustive extends boolean = false>
  extends SharedOptions<P, Exhaustive, WorkerContext> {
  /** The queue `bullmqEnqueue` adds to. */
  queueName: string;
  /** Redis connection options or an ioredis instance (BullMQ requires `maxRetriesPerRequest: null` on it). */
  connection: ConnectionOptions;
  /** Typed handlers by event type, as in `createHandler`. */
  on: WorkerHandlerMap<P, Exhaustive>;
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
   * Park dead letters (keyed by job id) in `parking.store` instead of BullMQ's failed set, for `replayParked`
   * (or `agentref-webhooks replay`); `onDeadLetter` still runs. A job the store refuses stays failed. Default off.
   */
  parking?: WorkerParking;
  /** Any other BullMQ worker option (`lockDuration`, `stalledInterval`, `maxStalledCount`, `autorun`, …). */
  workerOptions?: Omit<WorkerOptions, "connection" | "concurrency">;
}

/**
 * Default `attempts` of {@link createWorker}.
 * @example createWorker({ queueName, connection, on, attempts: DEFAULT_WORKER_ATTEMPTS });
 */
export const DEFAULT_WORKER_ATTEMPTS = 8;

type WebhookJob = Job<QueuedDelivery, WorkerJobResult>;

/**
 * A BullMQ `Worker` running a typed handler map. `close()` waits for in-flight jobs and dead-letter hooks.
 * @example process.on("SIGTERM", () => void worker.close());
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
 * Starts a BullMQ worker for the jobs `bullmqEnqueue` adds, routing each re-validated event through a typed
 * handler map as `createHandler` does. A throwing handler is retried with `backoff` until `attempts` failed
 * (throw `UnrecoverableError` to stop early), then `onDeadLetter` runs once. A worker that dies mid-job loses
 * nothing (BullMQ hands the job on), so side effects run at least once: key them by `ctx.eventId`.
 * @example const worker = createWorker({ queueName: "agentref-webhooks", connection: { host: "127.0.0.1", port: 6379 }, on: {} });
 */
export function createWorker<P extends AnyProvider = AgentRefProvider, E extends boolean = false>(
  options: CreateWorkerOptions<P, E>,
): WebhookWorker {
  const provider: AnyProvider = options.provider ?? agentref;
  const logger = toLogger(options.logger);
  const attempts = positiveInteger("createWorker", "attempts", options.attempts, DEFAULT_WORKER_ATTEMPTS, "attempts");
  const parkingStore = options.parking?.store;
  if (options.parking !== undefined) {
    requireMethods("createWorker", "parking needs { store } with", parkingStore, ["park", "listParked", "unpark"]);
  }
  const route = createRouter<WorkerContext>(provider, "createWorker", options as never);
  const { workerOptions = {} } = options;
  const backoff = toBullmqBackoff(options.backoff ?? DEFAULT_BACKOFF, workerOptions.settings?.backoffStrategy);
  const onDeadLetter = options.onDeadLetter as ((event: unknown, error: Error, ctx: WorkerContext) => unknown) | undefined;
  // The "failed" listener only acts on failures BullMQ raised without the processor.
  const fromProcessor = new WeakSet<Error>();

  // What a job's data cannot tell (it was not added by bullmqEnqueue) comes from the job.
  const contextOf = (job: WebhookJob, data: QueuedDelivery | undefined, attempt: number, signal: AbortSignal): WorkerContext => ({
    deliveryId: data?.meta.deliveryId ?? String(job.id),
    eventId: data?.meta.eventId ?? String(job.id),
    timestamp: data?.meta.timestamp ?? nowSeconds(job.timestamp),
    receivedAt: new Date(data?.meta.receivedAt ?? job.timestamp),
    rawBody: data?.body ?? "",
    provider: data?.meta.provider ?? provider.name,
    signal,
    attempt,
    maxAttempts: attempts,
    jobId: String(job.id),
    job,
  });

  const decodeJob = (data: QueuedDelivery) =>
    decode(provider, receivedDelivery({}, data.body).json(), { strict: options.strict ?? false, deliveryId: data.meta.deliveryId });

  // Never throws: a job whose data cannot be decoded is dead-lettered with the envelope as it was sent.
  const eventOf = (job: WebhookJob, data: QueuedDelivery | undefined): unknown => {
    try {
      if (data) return decodeJob(data).event;
    } catch {
      // handed over as an UnknownEvent below
    }
    const raw = (data && envelopeOf(receivedDelivery({}, data.body))) ?? {};
    return new UnknownEvent(data?.meta.eventId ?? String(job.id), job.name, raw.data, raw);
  };

  // A final failure: parks the job, then runs onDeadLetter. A parked job leaves the failed set through `unfail`,
  // so that a replay's add is no duplicate, and its hook runs meanwhile (close() waits for it).
  const deadLetter = async (error: Error, ctx: WorkerContext, unfail: () => unknown, event?: unknown) => {
    const data = readQueuedDelivery(ctx.job.data, ctx.jobId);
    let parked = false;
    if (parkingStore && data) {
      const { provider, eventId } = data.meta;
      try {
        await parkingStore.park!({ key: ctx.jobId, provider, eventId, type: ctx.job.name, body: data.body, parkedAt: Date.now(), reason: error.message });
        parked = true;
      } catch (err) {
        logger.error?.("the dead-lettered job could not be parked; it stays in the failed set", { jobId: ctx.jobId, err: String(err) });
      }
    }
    if (parked) await unfail();
    logger.error?.(parked ? "webhook job dead-lettered and parked; replay it with replayParked once fixed" : "webhook job dead-lettered", {
      jobId: ctx.jobId,
      type: ctx.job.name,
      attempt: ctx.attempt,
      err: error.message,
    });
    // A failing hook must not turn into another attempt of the handler.
    const hook = (async () => onDeadLetter?.(event ?? eventOf(ctx.job, data), error, ctx))().catch((err: unknown) => {
      logger.error?.("onDeadLetter threw", { jobId: ctx.jobId, err: String(err) });
    });
    if (parked) track(hook);
    else await hook;
  };

  const processor = async (job: WebhookJob, _token?: string, signal?: AbortSignal): Promise<WorkerJobResult> => {
    // BullMQ decides on a retry from the Job instance's opts when the processor throws,
    // so setting them here makes this worker's policy govern every job it takes.
    job.opts.attempts = attempts;
    job.opts.backoff = backoff.options;
    const attempt = job.attemptsMade + 1;
    const data = readQueuedDelivery(job.data, String(job.id));
    const ctx = contextOf(job, data, attempt, signal ?? new AbortController().signal);
    const meta = data?.meta;
    const span = options.telemetry
      ? options.telemetry.start(
          "process",
          { "webhook.provider": provider.name, "webhook.event.type": job.name, "webhook.event.id": meta?.eventId, "webhook.delivery.id": meta?.deliveryId, "webhook.job.attempt": attempt },
          meta?.trace,
        )
      : noSpan;
    let event: unknown;
    try {
      if (!data) throw new UnrecoverableError(`Job ${String(job.id)} does not hold an agentref-webhooks delivery (was it added by bullmqEnqueue?).`);
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
        throw new UnrecoverableError(`Job ${String(job.id)}: ${messageOf(cause)}`);
      }
      event = decoded.event;
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
      // Parked: BullMQ removes the job as it records the failure (one step in Redis), right away.
      await deadLetter(error, ctx, () => (job.opts.removeOnFail = true), event);
      throw error;
    }
  };

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
    const data = readQueuedDelivery(job.data, String(job.id));
    const unfail = () =>
      job.remove().catch((err: unknown) => {
        logger.error?.("a parked job could not be removed from the failed set: remove it before replaying", { jobId: String(job.id), err: String(err) });
      });
    track(deadLetter(error, contextOf(job, data, job.attemptsMade, AbortSignal.abort()), unfail));
  });
  // An EventEmitter without an "error" listener throws: log instead (users may add theirs).
  worker.on("error", (err) => logger.error?.("BullMQ worker error", { queue: options.queueName, err: String(err) }));
  return worker;
}

import type { JobsOptions } from "bullmq";
import { defaultLogger, type Logger } from "../core/logger.js";
import type { AnyProvider } from "../core/provider.js";
import { WebhookError } from "../errors/index.js";
import type { DeliveryMeta, Enqueue } from "../handler/types.js";
import { MIN_SAFE_TTL_MS } from "../idempotency/store.js";
import { UnknownEvent } from "../events/unknown-event.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";
import { bullmqJobId } from "./job-id.js";
import { toJobData, type QueuedDelivery } from "./job-data.js";

/**
 * Completed jobs are kept this long by default (47 h), in ms. While a completed job
 * exists, a redelivery of its event is a no-op; AgentRef retries for ~46.3 h.
 *
 * @example
 * bullmqEnqueue(queue, { dedupeWindowMs: DEFAULT_DEDUPE_WINDOW_MS * 2 });
 */
export const DEFAULT_DEDUPE_WINDOW_MS = MIN_SAFE_TTL_MS;

const DEFAULT_ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * The part of a BullMQ `Queue` that `bullmqEnqueue` uses (any `new Queue(name, …)` fits).
 *
 * @example
 * const queue: QueueLike = new Queue("agentref-webhooks", { connection });
 */
export interface QueueLike {
  readonly name: string;
  add(name: string, data: QueuedDelivery, opts?: JobsOptions): Promise<unknown>;
}

/**
 * Options of {@link bullmqEnqueue}.
 *
 * @example
 * bullmqEnqueue(queue, { timeoutMs: 2_000, dedupeWindowMs: 72 * 3600_000, jobOptions: { priority: 1 } });
 */
export interface BullmqEnqueueOptions<P extends AnyProvider = AgentRefProvider> {
  /** Whose events these are (names the job after the provider's type field). Default: AgentRef. */
  provider?: P;
  /**
   * How long (ms) completed jobs are kept: a redelivery within this window finds the
   * job and adds nothing. Default 47 h; shorter is warned about (AgentRef retries for ~46.3 h).
   * Failed jobs are kept until you remove them (they stay inspectable, and dedupe too).
   */
  dedupeWindowMs?: number;
  /**
   * An add with no acknowledgement from Redis after this many ms rejects, so the
   * receiver answers 503 well within the sender's deadline. Default 5,000.
   */
  timeoutMs?: number;
  /**
   * Extra BullMQ job options (priority, removeOnFail, …). `jobId` is always derived from
   * the event; `attempts` and `backoff` are set by the worker (`createWorker`), not here.
   */
  jobOptions?: Omit<JobsOptions, "jobId" | "attempts" | "backoff">;
  /** Where the short-window warning goes. Default: the console. */
  logger?: Logger;
}

/**
 * Queue mode for `createHandler`: an `Enqueue` that adds each verified event to a
 * BullMQ queue. The job is named after the event type, its id is derived from the
 * provider and event id ({@link bullmqJobId}), and its data is the envelope plus the
 * delivery metadata ({@link QueuedDelivery}). The promise resolves once Redis has
 * acknowledged the add and rejects on a Redis error or after `timeoutMs` (the handler
 * then answers 503 and the sender retries).
 *
 * Dedupe: BullMQ's `add` with an id that already exists is a no-op, so a duplicate
 * delivery (concurrent or a late retry) cannot create a second job while the first
 * exists: waiting, active, delayed, failed, or completed within `dedupeWindowMs`.
 *
 * @example
 * import { Queue } from "bullmq";
 * import { createHandler } from "agentref-webhooks";
 * import { bullmqEnqueue } from "agentref-webhooks/bullmq";
 *
 * const queue = new Queue("agentref-webhooks", { connection: { host: "127.0.0.1", port: 6379, enableOfflineQueue: false } });
 * export const POST = createHandler({ secret: process.env.AGENTREF_WEBHOOK_SECRET!, enqueue: bullmqEnqueue(queue) });
 */
export function bullmqEnqueue<P extends AnyProvider = AgentRefProvider>(queue: QueueLike, options: BullmqEnqueueOptions<P> = {}): Enqueue<P> {
  const provider: AnyProvider = options.provider ?? agentref;
  const dedupeWindowMs = positiveInteger("dedupeWindowMs", options.dedupeWindowMs, DEFAULT_DEDUPE_WINDOW_MS);
  const timeoutMs = positiveInteger("timeoutMs", options.timeoutMs, DEFAULT_ENQUEUE_TIMEOUT_MS);
  if (dedupeWindowMs < MIN_SAFE_TTL_MS) {
    (options.logger ?? defaultLogger).warn?.(
      `bullmqEnqueue: dedupeWindowMs is ${dedupeWindowMs} ms (${(dedupeWindowMs / 3_600_000).toFixed(2)} h), shorter than 47 h. ` +
        `AgentRef retries for up to ~46.3 h, so a retry arriving after its completed job was removed creates a second job. ` +
        `dedupeWindowMs is in milliseconds.`,
      { queue: queue.name, dedupeWindowMs },
    );
  }
  const jobOptions: JobsOptions = {
    removeOnComplete: { age: Math.ceil(dedupeWindowMs / 1000) },
    removeOnFail: false,
    ...options.jobOptions,
  };

  return async (event, meta: DeliveryMeta) => {
    const type = event instanceof UnknownEvent ? event.type : String((event as Record<string, unknown>)[provider.envelope.typeKey]);
    const add = queue.add(type, toJobData(event as object, meta), { ...jobOptions, jobId: bullmqJobId(meta.eventId, meta.provider) });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement from Redis within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      // A late add that lands after the timeout is harmless: the retry maps to the same job id.
      await Promise.race([add, timeout]);
    } catch (cause) {
      add.catch(() => {});
      throw new WebhookError(
        "ENQUEUE_FAILED",
        `Event ${meta.eventId} could not be added to the queue (${String((cause as Error)?.message ?? cause)}); ` +
          `the sender will retry. Check that the queue's Redis is reachable.`,
        { cause },
      );
    } finally {
      clearTimeout(timer);
    }
  };
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`bullmqEnqueue: ${name} must be a positive integer of milliseconds, got ${String(value)}.`);
  }
  return value;
}

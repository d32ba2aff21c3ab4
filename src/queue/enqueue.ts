import type { JobsOptions } from "bullmq";
import { messageOf, WebhookError } from "../errors/index.js";
import { idempotencyKey } from "../idempotency/key.js";
import type { Enqueue } from "../handler/types.js";
import type { DeliveryMeta } from "../lifecycle/context.js";
import { retryWindowMs, type AnyProvider } from "../provider/define-provider.js";
import { UnknownEvent } from "../provider/unknown-event.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";
import { toLogger, type LoggerInput } from "../util/logger.js";
import { positiveInteger } from "../util/options.js";
import { withTimeout } from "../util/timeout.js";
import type { QueuedDelivery } from "./job-data.js";

const DEFAULT_ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * The part of a BullMQ `Queue` that `bullmqEnqueue` uses (any `new Queue(name, …)` fits).
 * @example const queue: QueueLike = new Queue("agentref-webhooks", { connection });
 */
export interface QueueLike {
  readonly name: string;
  add(name: string, data: QueuedDelivery, opts?: JobsOptions): Promise<unknown>;
}

/**
 * Options of {@link bullmqEnqueue}.
 * @example bullmqEnqueue(queue, { timeoutMs: 2_000, dedupeWindowMs: 72 * 3600_000, jobOptions: { priority: 1 } });
 */
export interface BullmqEnqueueOptions<P extends AnyProvider = AgentRefProvider> {
  /** Whose events these are (names the job after the provider's type field). Default: AgentRef. */
  provider?: P;
  /** How long (ms) completed jobs are kept, so a redelivery adds nothing. Default: the provider's retry window; shorter warns. */
  dedupeWindowMs?: number;
  /** An add Redis has not acknowledged after this many ms rejects (the receiver answers 503). Default 5,000. */
  timeoutMs?: number;
  /** Extra BullMQ job options. `jobId` comes from the event; `attempts` and `backoff` from the worker. */
  jobOptions?: Omit<JobsOptions, "jobId" | "attempts" | "backoff">;
  /** Where the short-window warning goes. Default: the console. */
  logger?: LoggerInput;
}

/**
 * Queue mode for `createHandler`: adds each verified event to a BullMQ queue as a job named after its type, with
 * the idempotency key (`meta.key`) as id. Resolves once Redis acknowledged the add; a Redis error or `timeoutMs`
 * makes the handler answer 503. A duplicate adds nothing while the first job (completed: for `dedupeWindowMs`) exists.
 * @example
 * const queue = new Queue("agentref-webhooks", { connection: { host: "127.0.0.1", port: 6379, enableOfflineQueue: false } });
 * export const POST = createHandler({ secret: process.env.AGENTREF_WEBHOOK_SECRET!, enqueue: bullmqEnqueue(queue) });
 */
export function bullmqEnqueue<P extends AnyProvider = AgentRefProvider>(queue: QueueLike, options: BullmqEnqueueOptions<P> = {}): Enqueue<P> {
  const provider: AnyProvider = options.provider ?? agentref;
  const window = retryWindowMs(provider);
  const dedupeWindowMs = positiveInteger("bullmqEnqueue", "dedupeWindowMs", options.dedupeWindowMs, Math.ceil(window / 3_600_000) * 3_600_000);
  const timeoutMs = positiveInteger("bullmqEnqueue", "timeoutMs", options.timeoutMs, DEFAULT_ENQUEUE_TIMEOUT_MS);
  if (dedupeWindowMs < window) {
    toLogger(options.logger).warn?.(
      `bullmqEnqueue: dedupeWindowMs is ${dedupeWindowMs} ms (${(dedupeWindowMs / 3_600_000).toFixed(2)} h), shorter than ` +
        `${provider.name}'s retry window (${(window / 3_600_000).toFixed(2)} h), so a retry arriving after its completed job ` +
        `was removed creates a second job. dedupeWindowMs is in milliseconds.`,
      { queue: queue.name, dedupeWindowMs, retryWindowMs: window },
    );
  }
  const jobOptions: JobsOptions = {
    removeOnComplete: { age: Math.ceil(dedupeWindowMs / 1000) },
    removeOnFail: false,
    ...options.jobOptions,
  };

  return async (event, meta: DeliveryMeta, rawBody: string) => {
    const type = event instanceof UnknownEvent ? event.type : String((event as Record<string, unknown>)[provider.envelope.typeKey]);
    const data: QueuedDelivery = { v: 2, body: rawBody, meta: { ...meta } };
    const add = queue.add(type, data, { ...jobOptions, jobId: meta.key });
    try {
      // A late add that lands after the timeout is harmless: the retry maps to the same job id.
      await withTimeout(add, timeoutMs, `no acknowledgement from Redis within ${timeoutMs} ms`);
    } catch (cause) {
      add.catch(() => {});
      throw new WebhookError(
        "ENQUEUE_FAILED",
        `Event ${meta.eventId} could not be added to the queue (${messageOf(cause)}); ` +
          `the sender will retry. Check that the queue's Redis is reachable.`,
        { cause },
      );
    }
  };
}

/**
 * The BullMQ job id `bullmqEnqueue` gives an event: its idempotency key (provider, tenant
 * and event id). Give the tenant the receiver scopes by (AgentRef: `merchantId`).
 * @example const job = await queue.getJob(await bullmqJobId(event.id, { tenant: event.merchantId }));
 */
export function bullmqJobId(eventId: string, options: { provider?: string; tenant?: string } = {}): Promise<string> {
  return idempotencyKey({ provider: options.provider ?? "agentref", tenant: options.tenant, id: eventId });
}

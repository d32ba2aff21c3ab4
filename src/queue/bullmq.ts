// `agentref-webhooks/bullmq`: queue mode on BullMQ. The only entry that imports
// bullmq, so the root package never loads it.

export { bullmqEnqueue, bullmqJobId, type BullmqEnqueueOptions, type QueueLike } from "./enqueue.js";
export type { QueuedDelivery } from "./job-data.js";
export { DEFAULT_BACKOFF, type WorkerBackoff } from "./backoff.js";
export {
  createWorker,
  DEFAULT_WORKER_ATTEMPTS,
  WebhookWorker,
  type CreateWorkerOptions,
  type WorkerContext,
  type WorkerEventHandler,
  type WorkerHandlerMap,
  type WorkerJobResult,
  type WorkerParking,
} from "./worker.js";

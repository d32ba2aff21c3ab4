import type { DeliveryMeta } from "../handler/types.js";
import { UnknownEvent } from "../events/unknown-event.js";

/**
 * What a queued job carries: the verified envelope as plain JSON (for an event type
 * not in the catalog, the envelope as sent) and the delivery metadata. The worker
 * re-validates `event` with `parseEvent`, so it receives typed events again.
 *
 * @example
 * const job = await queue.getJob(bullmqJobId("msg_abc123"));
 * const data: QueuedDelivery | undefined = job?.data;
 * data?.meta.deliveryId;
 */
export interface QueuedDelivery {
  /** The job data format; bumped if it ever changes shape. */
  v: 1;
  /** The envelope, exactly the fields the receiver validated (unknown fields kept). */
  event: Record<string, unknown>;
  meta: DeliveryMeta;
}

/**
 * @internal
 *
 * @example
 * await queue.add(event.type, toJobData(event, meta), { jobId: bullmqJobId(event.id) });
 */
export function toJobData(event: object, meta: DeliveryMeta): QueuedDelivery {
  // An UnknownEvent is a class instance: queue the envelope, not its wrapper.
  const envelope = event instanceof UnknownEvent ? event.raw : event;
  return { v: 1, event: envelope as Record<string, unknown>, meta: { ...meta } };
}

/**
 * @internal Checks the shape of job data read back from Redis (anything may have put it there).
 *
 * @example
 * if (!isQueuedDelivery(job.data)) throw new UnrecoverableError("not a webhook job");
 */
export function isQueuedDelivery(value: unknown): value is QueuedDelivery {
  if (typeof value !== "object" || value === null) return false;
  const data = value as Partial<QueuedDelivery>;
  const meta = data.meta as Partial<DeliveryMeta> | undefined;
  return (
    data.v === 1 &&
    typeof data.event === "object" &&
    data.event !== null &&
    typeof meta === "object" &&
    meta !== null &&
    typeof meta.eventId === "string" &&
    typeof meta.deliveryId === "string" &&
    typeof meta.provider === "string" &&
    typeof meta.timestamp === "number" &&
    typeof meta.receivedAt === "string"
  );
}

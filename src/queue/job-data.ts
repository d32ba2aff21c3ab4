import type { DeliveryMeta } from "../lifecycle/context.js";

/**
 * What a queued job carries: the verified body exactly as received, and the delivery
 * metadata. The worker decodes the body with the same step as the receiver, so it gets
 * typed events again, and no payload the receiver accepted can fail to be queued.
 *
 * @example
 * const job = await queue.getJob(meta.key);
 * const data: QueuedDelivery | undefined = job?.data;
 * data?.meta.deliveryId;
 */
export interface QueuedDelivery {
  /** The job data format; bumped if it ever changes shape. */
  v: 2;
  /** The verified body, as received. */
  body: string;
  meta: DeliveryMeta;
}

/**
 * Checks the shape of job data read back from Redis (anything may have put it there).
 *
 * @example
 * if (!isQueuedDelivery(job.data)) throw new UnrecoverableError("not a webhook job");
 */
export function isQueuedDelivery(value: unknown): value is QueuedDelivery {
  if (typeof value !== "object" || value === null) return false;
  const data = value as Partial<QueuedDelivery>;
  const meta = data.meta as Partial<DeliveryMeta> | undefined;
  return (
    data.v === 2 &&
    typeof data.body === "string" &&
    typeof meta === "object" &&
    meta !== null &&
    typeof meta.eventId === "string" &&
    typeof meta.deliveryId === "string" &&
    typeof meta.key === "string" &&
    typeof meta.provider === "string" &&
    typeof meta.timestamp === "number" &&
    typeof meta.receivedAt === "string"
  );
}

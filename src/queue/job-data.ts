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

/**
 * The delivery a job holds, in today's format: jobs queued by 0.1.0 (`v: 1`, the parsed
 * envelope instead of the body, no key) are read too, so a backlog survives an upgrade.
 * Undefined for anything else.
 *
 * @example
 * const data = readQueuedDelivery(job.data, String(job.id));
 */
export function readQueuedDelivery(value: unknown, jobId: string): QueuedDelivery | undefined {
  if (isQueuedDelivery(value)) return value;
  const old = value as { v?: unknown; event?: unknown; meta?: Partial<DeliveryMeta> } | null;
  if (old?.v !== 1 || typeof old.event !== "object" || old.event === null || typeof old.meta !== "object" || old.meta === null) return undefined;
  const upgraded = { v: 2, body: JSON.stringify(old.event), meta: { ...old.meta, key: jobId } };
  return isQueuedDelivery(upgraded) ? upgraded : undefined;
}

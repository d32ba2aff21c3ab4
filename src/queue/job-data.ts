import type { DeliveryMeta } from "../lifecycle/context.js";

/**
 * What a queued job carries: the verified body exactly as received, and the delivery
 * metadata. The worker decodes the body with the receiver's own step.
 * @example const data: QueuedDelivery | undefined = (await queue.getJob(meta.key))?.data;
 */
export interface QueuedDelivery {
  /** The job data format; bumped if it ever changes shape. */
  v: 2;
  /** The verified body, as received. */
  body: string;
  meta: DeliveryMeta;
}

const META_TYPES = { eventId: "string", deliveryId: "string", key: "string", provider: "string", timestamp: "number", receivedAt: "string" };

/** Checks the shape of job data read back from Redis (anything may have put it there). */
function isQueuedDelivery(value: unknown): value is QueuedDelivery {
  const data = value as Partial<QueuedDelivery> | null;
  const meta = data?.meta as Record<string, unknown> | null | undefined;
  return (
    data?.v === 2 && typeof data.body === "string" && Object.entries(META_TYPES).every(([field, type]) => typeof meta?.[field] === type)
  );
}

/** The delivery a job holds, in today's format; 0.1.0 jobs (`v: 1`: the parsed envelope, no key) are upgraded. */
export function readQueuedDelivery(value: unknown, jobId: string): QueuedDelivery | undefined {
  if (isQueuedDelivery(value)) return value;
  const old = value as { v?: unknown; event?: unknown; meta?: Partial<DeliveryMeta> } | null;
  // A meta that is no object fails the check of the upgraded data.
  if (old?.v !== 1 || typeof old.event !== "object" || old.event === null) return undefined;
  const upgraded = { v: 2, body: JSON.stringify(old.event), meta: { ...old.meta, key: jobId } };
  return isQueuedDelivery(upgraded) ? upgraded : undefined;
}

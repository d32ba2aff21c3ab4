import { idempotencyKey } from "../idempotency/key.js";

/**
 * The BullMQ job id `bullmqEnqueue` gives an event: its idempotency key, the same key
 * inline mode claims (provider, tenant and event id, escaped to `[A-Za-z0-9_.%@#-]`).
 * Give the tenant the receiver scopes by (AgentRef: the event's `merchantId`).
 *
 * @example
 * import { bullmqJobId } from "agentref-webhooks/bullmq";
 * await bullmqJobId("msg_abc123", { tenant: "mer_1" });  // "agentref@mer_1@msg_abc123"
 * const job = await queue.getJob(await bullmqJobId(event.id, { tenant: event.merchantId }));
 */
export function bullmqJobId(eventId: string, options: { provider?: string; tenant?: string } = {}): Promise<string> {
  return idempotencyKey({ provider: options.provider ?? "agentref", tenant: options.tenant, id: eventId });
}

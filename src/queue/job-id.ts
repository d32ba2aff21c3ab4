import { idempotencyKey } from "../idempotency/key.js";

/**
 * The BullMQ job id `bullmqEnqueue` gives an event: its idempotency key (provider, tenant
 * and event id). Give the tenant the receiver scopes by (AgentRef: `merchantId`).
 *
 * @example
 * const job = await queue.getJob(await bullmqJobId(event.id, { tenant: event.merchantId }));
 */
export function bullmqJobId(eventId: string, options: { provider?: string; tenant?: string } = {}): Promise<string> {
  return idempotencyKey({ provider: options.provider ?? "agentref", tenant: options.tenant, id: eventId });
}

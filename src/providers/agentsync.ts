import { z } from "zod";
import { defineProvider } from "../provider/define-provider.js";
import { isoDateTime, lenientOr, openEvents, openObject } from "../provider/schema-kit.js";
import { createStandardWebhooksScheme } from "../verify/standard-webhooks.js";

/**
 * AgentSync's envelope: `{ id, type, timestamp?, data }` (`timestamp` is not in the source
 * schema, so it is optional).
 * @example
 * import { agentsyncEnvelopeSchema } from "agentref-webhooks/agentsync";
 * agentsyncEnvelopeSchema.parse(JSON.parse(body));
 */
export const agentsyncEnvelopeSchema = openObject({
  id: z.string().min(1),
  type: z.string().min(1),
  timestamp: isoDateTime().optional(),
  data: openObject({}),
});

/**
 * Event names of AgentSync's subscription groups (subscribing to a group delivers all of them).
 * @example
 * import { agentsyncGroups } from "agentref-webhooks/agentsync";
 * agentsyncGroups.producersync; // ["producersync.updates_available", "producersync.npn.activated", "producersync.npn.deactivated"]
 */
export const agentsyncGroups = {
  producersync: ["producersync.updates_available", "producersync.npn.activated", "producersync.npn.deactivated"],
  "id.producer": [
    "id.producer.updated",
    "id.producer.deleted",
    "id.producer.address.updated",
    "id.producer.address.deleted",
    "id.producer.bank_account.updated",
    "id.producer.bank_account.deleted",
    "id.producer.errors_and_omissions.updated",
    "id.producer.errors_and_omissions.deleted",
    "id.producer.phone.updated",
    "id.producer.phone.deleted",
  ],
  contract: [
    "contract.updated",
    "contract.assignment.updated",
    "contract.assignment.deleted",
    "contract.assignment_change.updated",
    "contract.assignment_change.deleted",
    "contract.packet.submitted",
    "contract.producer_status.updated",
  ],
} as const;

/**
 * AgentSync: Standard Webhooks signatures under `webhook-*` (or `svix-*`) headers, answered
 * within 5 seconds. Its retry schedule is assumed to be Svix's (its portal is Svix's).
 * @example createHandler({ provider: agentsync, secret, on: { "producersync.updates_available": (e) => sync(e.data.runDate) } });
 */
export const agentsync = defineProvider({
  name: "agentsync",
  scheme: createStandardWebhooksScheme({ name: "agentsync", headerPrefix: "webhook" }),
  envelope: { schema: agentsyncEnvelopeSchema, idKey: "id", typeKey: "type", timestampKey: "timestamp" },
  events: {
    ...openEvents(agentsyncEnvelopeSchema, "type", Object.values(agentsyncGroups).flat()),
    // Only `producersync.updates_available` has a documented payload; the others keep open data.
    "producersync.updates_available": agentsyncEnvelopeSchema.extend({
      type: z.literal("producersync.updates_available"),
      data: openObject({ runDate: lenientOr(z.string(), z.iso.date()) }),
    }),
  },
  retrySchedule: [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600].map((seconds) => seconds * 1000),
  timeoutMs: 5_000,
  samples: {
    "producersync.updates_available": {
      id: "whe_2hXl4jYwYkYm1rV0rD6n8cQ1aZk",
      type: "producersync.updates_available",
      timestamp: "2026-03-24T06:00:00.000Z",
      data: { runDate: "2026-03-24" },
    },
  },
});

/**
 * The type of the AgentSync provider.
 * @example function use(p: AgentSyncProvider) { return p.types; }
 */
export type AgentSyncProvider = typeof agentsync;

export default agentsync;

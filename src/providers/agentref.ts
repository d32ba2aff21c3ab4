import { WebhookPayloadError } from "../errors/index.js";
import { defineProvider } from "../provider/define-provider.js";
import { eventSchemas, eventTypes, type AgentRefEvent } from "../events/catalog.js";
import { envelopeSchema, SCHEMA_VERSION } from "../events/envelope.js";
import { sampleEvents } from "../events/samples.js";
import { standardWebhooksScheme } from "../verify/standard-webhooks.js";

const minute = 60_000;
const hour = 60 * minute;

/** AgentRef's delivery schedule: the delay before each of its 9 attempts (~46.3 h from first to last). */
export const agentrefRetrySchedule = [0, minute, 5 * minute, 15 * minute, hour, 3 * hour, 6 * hour, 12 * hour, 24 * hour] as const;

/**
 * The AgentRef provider: Standard Webhooks signatures under `svix-*` headers, the schemaVersion
 * 2 envelope and the 13-event catalog. The default wherever a `provider` option exists.
 * @example
 * import { agentref, createHandler } from "agentref-webhooks";
 * createHandler({ provider: agentref, secret, on: {} }); // same as omitting provider
 */
export const agentref = defineProvider({
  name: "agentref",
  scheme: standardWebhooksScheme,
  envelope: {
    schema: envelopeSchema,
    idKey: "id",
    typeKey: "type",
    timestampKey: "createdAt",
    scopeKey: "merchantId",
    check(raw) {
      if ("schemaVersion" in raw && raw.schemaVersion !== SCHEMA_VERSION) {
        throw new WebhookPayloadError(
          "UNSUPPORTED_SCHEMA_VERSION",
          `schemaVersion ${JSON.stringify(raw.schemaVersion)} is not supported (this SDK reads schemaVersion ${SCHEMA_VERSION}). Upgrade agentref-webhooks; AgentRef keeps retrying for ~46 h meanwhile.`,
        );
      }
    },
  },
  events: eventSchemas,
  retrySchedule: agentrefRetrySchedule,
  samples: sampleEvents,
  ordering: {
    // An event concerns the entity its type names (`payout:<data.id>`); affiliates are per program.
    entities: Object.fromEntries(eventTypes.map((type) => [type, entityOf])),
    order: (event) => {
      const ms = Date.parse(event.createdAt);
      return Number.isNaN(ms) ? undefined : ms;
    },
  },
});

function entityOf(event: AgentRefEvent): string {
  const kind = event.type.slice(0, event.type.indexOf("."));
  return kind === "affiliate" ? `affiliate:${event.programId}:${event.data.id}` : `${kind}:${event.data.id}`;
}

/**
 * The type of the AgentRef provider.
 * @example function use(p: AgentRefProvider) { return p.types; }
 */
export type AgentRefProvider = typeof agentref;

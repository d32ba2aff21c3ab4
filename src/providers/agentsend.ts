import { z } from "zod";
import { defineProvider } from "../provider/define-provider.js";
import { openEvents, openObject } from "../provider/schema-kit.js";
import type { SignatureScheme } from "../verify/scheme.js";
import { standardWebhooksScheme } from "../verify/standard-webhooks.js";

/**
 * AgentSend's six event names. Their payloads are not publicly documented: `data` is an open object.
 * @example
 * import { agentsendEventNames } from "agentref-webhooks/agentsend";
 * agentsendEventNames.length; // 6
 */
export const agentsendEventNames = [
  "domain.verified",
  "message.received",
  "message.sent",
  "message.delivered",
  "message.bounced",
  "message.complained",
] as const;

/**
 * The envelope assumed for AgentSend (undocumented): `{ id?, type, data }`, the Standard Webhooks
 * shape. Without `id` the signed delivery id is the idempotency key.
 * @example
 * import { agentsendEnvelopeSchema } from "agentref-webhooks/agentsend";
 * agentsendEnvelopeSchema.parse(JSON.parse(body)).type;
 */
export const agentsendEnvelopeSchema = openObject({
  id: z.string().min(1).optional(),
  type: z.string().min(1),
  data: openObject({}),
});

/**
 * What `createAgentSendProvider` takes.
 * @example createAgentSendProvider({ scheme: standardWebhooksScheme });
 */
export interface AgentSendProviderOptions {
  /** The signature scheme your AgentSend account uses. Default: Standard Webhooks (`webhook-*` or `svix-*` headers, `whsec_` secrets). */
  scheme?: SignatureScheme;
  /** The envelope field holding the event id, if not `id`. Without one, the delivery id header is the key. */
  idKey?: string;
}

/**
 * Builds an AgentSend provider with the signature scheme your account uses (AgentSend does not
 * document how deliveries are signed).
 * @example const agentsend = createAgentSendProvider({ scheme: createHexHmacScheme({ name: "agentsend", headers: yourHeaders }) });
 */
export function createAgentSendProvider(options: AgentSendProviderOptions = {}) {
  return defineProvider({
    name: "agentsend",
    scheme: options.scheme ?? standardWebhooksScheme,
    envelope: { schema: agentsendEnvelopeSchema, idKey: options.idKey ?? "id", typeKey: "type" },
    events: openEvents(agentsendEnvelopeSchema, "type", agentsendEventNames),
  });
}

/**
 * AgentSend, assuming **Standard Webhooks** signatures (not documented by AgentSend); use
 * `createAgentSendProvider({ scheme })` if your deliveries differ.
 * @example createHandler({ provider: agentsend, secret, on: { "message.bounced": (e, ctx) => suppress(e.data, ctx.eventId) } });
 */
export const agentsend = createAgentSendProvider();

/**
 * The type of the AgentSend provider.
 * @example function use(p: AgentSendProvider) { return p.types; }
 */
export type AgentSendProvider = typeof agentsend;

export default agentsend;

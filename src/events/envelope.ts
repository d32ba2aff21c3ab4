import { z } from "zod";
import { isoDateTime, lenientOr, openEnum, openObject } from "../provider/schema-kit.js";

/** The only envelope version this SDK understands. AgentRef documents it as "always 2". */
export const SCHEMA_VERSION = 2;

const envelopeFields = {
  /** Unique message id, e.g. `msg_abc123`: the idempotency key. */
  id: z.string().min(1),
  type: z.string().min(1),
  schemaVersion: z.literal(SCHEMA_VERSION),
  createdAt: isoDateTime(),
  merchantId: z.string(),
  programId: z.string().optional(),
  // Open: a new environment does not reject a delivery.
  environment: openEnum(["production", "preview", "development"]),
  data: openObject({}),
};

/**
 * The schema every AgentRef delivery shares, whatever its `type` (`data` left open).
 * Used for events whose type is not in the catalog.
 * @example
 * import { envelopeSchema } from "agentref-webhooks";
 * const envelope = envelopeSchema.parse(JSON.parse(body));
 */
export const envelopeSchema = openObject(envelopeFields);

// Whether an event carries `programId`: program-scoped events do, conversions may, payouts (merchant-scoped) never.
const programIdBy = {
  required: z.string(),
  optional: z.string().optional(),
  // Lenient mode tolerates a programId appearing later; strict mode insists it is absent.
  absent: lenientOr(z.string().optional(), z.undefined().optional()),
} as const;

/** Builds one event's schema: the envelope with a literal `type`, its program scope and `data` fields. */
export function defineEvent<const T extends string, S extends keyof typeof programIdBy, D extends z.ZodRawShape>(type: T, scope: S, data: D) {
  return openObject({
    ...envelopeFields,
    type: z.literal(type),
    programId: programIdBy[scope] as (typeof programIdBy)[S],
    data: openObject(data),
  });
}

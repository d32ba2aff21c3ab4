import type { z } from "zod";
import { affiliateApprovedSchema, affiliateBlockedSchema, affiliateJoinedSchema, affiliateUnblockedSchema } from "./affiliate.js";
import { conversionCreatedSchema, conversionRefundedSchema } from "./conversion.js";
import { flagResolvedSchema } from "./fraud.js";
import { payoutCompletedSchema, payoutCreatedSchema, payoutFailedSchema, payoutProcessingSchema } from "./payout.js";
import { programCreatedSchema, programUpdatedSchema } from "./program.js";
import { lazyRecord, toStrict } from "../provider/schema-kit.js";

/**
 * One zod schema per AgentRef event type: the single source of the catalog. Lenient: unknown
 * fields are kept and new enum values accepted.
 * @example const event = eventSchemas["payout.failed"].parse(JSON.parse(body));
 */
export const eventSchemas = {
  "program.created": programCreatedSchema,
  "program.updated": programUpdatedSchema,
  "affiliate.joined": affiliateJoinedSchema,
  "affiliate.approved": affiliateApprovedSchema,
  "affiliate.blocked": affiliateBlockedSchema,
  "affiliate.unblocked": affiliateUnblockedSchema,
  "conversion.created": conversionCreatedSchema,
  "conversion.refunded": conversionRefundedSchema,
  "payout.created": payoutCreatedSchema,
  "payout.processing": payoutProcessingSchema,
  "payout.completed": payoutCompletedSchema,
  "payout.failed": payoutFailedSchema,
  "flag.resolved": flagResolvedSchema,
} as const;

/**
 * The list of every event type, in catalog order.
 * @example eventTypes.length; // 13
 */
export const eventTypes = Object.keys(eventSchemas) as EventType[];

/**
 * The same catalog, strict (unknown fields and enum values, non-ISO dates, non-integer amounts
 * rejected). For your own tests, not for live traffic.
 * @example expect(strictEventSchemas["conversion.created"].safeParse(myFixture).success).toBe(true);
 */
export const strictEventSchemas = lazyRecord(eventTypes, (type) => toStrict(eventSchemas[type])) as typeof eventSchemas;

/**
 * Every AgentRef event type name, derived from `eventSchemas`.
 * @example const t: EventType = "conversion.created";
 */
export type EventType = keyof typeof eventSchemas;

/**
 * The event of one type: its named interface (`EventOf<"conversion.created">` is `ConversionCreatedEvent`).
 * @example function onConversion(event: EventOf<"conversion.created">) { event.data.amount; }
 */
export type EventOf<T extends EventType> = z.output<(typeof eventSchemas)[T]>;

/**
 * Any AgentRef event: a union discriminated on `type`, so `switch (event.type)` narrows `event.data`.
 * @example if (event.type === "payout.failed") return event.data.failureReason; // event: AgentRefEvent
 */
export type AgentRefEvent = { [T in EventType]: EventOf<T> }[EventType];

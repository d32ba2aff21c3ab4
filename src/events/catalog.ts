import type { z } from "zod";
import { affiliateApprovedSchema, affiliateBlockedSchema, affiliateJoinedSchema, affiliateUnblockedSchema } from "./affiliate.js";
import { conversionCreatedSchema, conversionRefundedSchema } from "./conversion.js";
import { flagResolvedSchema } from "./fraud.js";
import { payoutCompletedSchema, payoutCreatedSchema, payoutFailedSchema, payoutProcessingSchema } from "./payout.js";
import { programCreatedSchema, programUpdatedSchema } from "./program.js";
import { lazyRecord, toStrict } from "../provider/schema-kit.js";

/**
 * One zod schema per AgentRef event type, keyed by type: the single source of the
 * catalog. Lenient (forward compatible): unknown fields are kept and enum values
 * AgentRef may add later are accepted.
 *
 * @example
 * import { eventSchemas } from "agentref-webhooks";
 * const event = eventSchemas["payout.failed"].parse(JSON.parse(body));
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
 * The same catalog, strict: unknown fields, unknown enum values, non-ISO dates and
 * non-integer amounts are rejected. For your own tests, not for live traffic.
 *
 * @example
 * import { strictEventSchemas } from "agentref-webhooks";
 * expect(strictEventSchemas["conversion.created"].safeParse(myFixture).success).toBe(true);
 */
export const strictEventSchemas = lazyRecord(Object.keys(eventSchemas) as (keyof typeof eventSchemas)[], (type) =>
  // Derived on first use: most apps never parse strictly, and building schemas is not free.
  toStrict(eventSchemas[type]),
) as unknown as typeof eventSchemas;

/**
 * Every AgentRef event type name, derived from `eventSchemas`.
 *
 * @example
 * const t: EventType = "conversion.created";
 */
export type EventType = keyof typeof eventSchemas;

/**
 * The event of one type.
 *
 * @example
 * function onConversion(event: EventOf<"conversion.created">) { event.data.amount; }
 */
export type EventOf<T extends EventType> = z.output<(typeof eventSchemas)[T]>;

/**
 * Any AgentRef event: a union discriminated on `type`, so `switch (event.type)` narrows `event.data`.
 *
 * @example
 * function handle(event: AgentRefEvent) {
 *   switch (event.type) {
 *     case "payout.failed": return event.data.failureReason;
 *   }
 * }
 */
export type AgentRefEvent = { [T in EventType]: EventOf<T> }[EventType];

/**
 * The list of every event type, in catalog order.
 *
 * @example
 * import { eventTypes } from "agentref-webhooks";
 * eventTypes.length; // 13
 */
export const eventTypes = Object.keys(eventSchemas) as EventType[];

/** @example const e: ProgramCreatedEvent = createTestEvent("program.created"); */
export type ProgramCreatedEvent = EventOf<"program.created">;
/** @example const e: ProgramUpdatedEvent = createTestEvent("program.updated"); */
export type ProgramUpdatedEvent = EventOf<"program.updated">;
/** @example const e: AffiliateJoinedEvent = createTestEvent("affiliate.joined"); */
export type AffiliateJoinedEvent = EventOf<"affiliate.joined">;
/** @example const e: AffiliateApprovedEvent = createTestEvent("affiliate.approved"); */
export type AffiliateApprovedEvent = EventOf<"affiliate.approved">;
/** @example const e: AffiliateBlockedEvent = createTestEvent("affiliate.blocked"); */
export type AffiliateBlockedEvent = EventOf<"affiliate.blocked">;
/** @example const e: AffiliateUnblockedEvent = createTestEvent("affiliate.unblocked"); */
export type AffiliateUnblockedEvent = EventOf<"affiliate.unblocked">;
/** @example const e: ConversionCreatedEvent = createTestEvent("conversion.created"); */
export type ConversionCreatedEvent = EventOf<"conversion.created">;
/** @example const e: ConversionRefundedEvent = createTestEvent("conversion.refunded"); */
export type ConversionRefundedEvent = EventOf<"conversion.refunded">;
/** @example const e: PayoutCreatedEvent = createTestEvent("payout.created"); */
export type PayoutCreatedEvent = EventOf<"payout.created">;
/** @example const e: PayoutProcessingEvent = createTestEvent("payout.processing"); */
export type PayoutProcessingEvent = EventOf<"payout.processing">;
/** @example const e: PayoutCompletedEvent = createTestEvent("payout.completed"); */
export type PayoutCompletedEvent = EventOf<"payout.completed">;
/** @example const e: PayoutFailedEvent = createTestEvent("payout.failed"); */
export type PayoutFailedEvent = EventOf<"payout.failed">;
/** @example const e: FlagResolvedEvent = createTestEvent("flag.resolved"); */
export type FlagResolvedEvent = EventOf<"flag.resolved">;

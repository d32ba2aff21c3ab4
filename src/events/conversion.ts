import { z } from "zod";
import { defineEvent } from "./envelope.js";
import {
  currencyCode,
  isoDateTime,
  minorUnits,
  openEnum,
  type EventFields,
  type KnownFields,
  type NamedEventSchema,
} from "../provider/schema-kit.js";

const money = {
  id: z.string(),
  affiliateId: z.string(),
  /** Integer minor units (cents). */
  amount: minorUnits(),
  /** Lowercase ISO code, e.g. `usd`. */
  currency: currencyCode(),
  /** Integer minor units (cents). */
  commissionAmount: minorUnits(),
  status: openEnum(["pending", "approved", "refunded", "rejected", "partially_refunded", "paid"]),
};

const conversionCreated = defineEvent("conversion.created", "optional", {
  ...money,
  externalId: z.string().optional(),
  createdAt: isoDateTime().optional(),
});

/**
 * The `data` of a `conversion.created` event.
 * @example const data: ConversionCreatedData = event.data; // data.commissionAmount: 2970 (cents)
 */
export interface ConversionCreatedData extends KnownFields<z.output<typeof conversionCreated>["data"]> {}

/**
 * A `conversion.created` event.
 * @example function credit(event: ConversionCreatedEvent) { return event.data.commissionAmount; }
 */
export interface ConversionCreatedEvent extends EventFields<typeof conversionCreated, ConversionCreatedData> {}

/**
 * `conversion.created`: a conversion was recorded (from Stripe or via the API).
 * The testing page's sample omits `programId`, `externalId` and `data.createdAt`.
 */
export const conversionCreatedSchema: NamedEventSchema<typeof conversionCreated, ConversionCreatedEvent> = conversionCreated;

const conversionRefunded = defineEvent("conversion.refunded", "optional", { ...money, refundedAt: isoDateTime() });

/**
 * The `data` of a `conversion.refunded` event.
 * @example const data: ConversionRefundedData = event.data;
 */
export interface ConversionRefundedData extends KnownFields<z.output<typeof conversionRefunded>["data"]> {}

/**
 * A `conversion.refunded` event.
 * @example function reverse(event: ConversionRefundedEvent) { return event.data.commissionAmount; }
 */
export interface ConversionRefundedEvent extends EventFields<typeof conversionRefunded, ConversionRefundedData> {}

/** `conversion.refunded`: a conversion was refunded. */
export const conversionRefundedSchema: NamedEventSchema<typeof conversionRefunded, ConversionRefundedEvent> = conversionRefunded;

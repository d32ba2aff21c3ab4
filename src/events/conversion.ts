import { z } from "zod";
import { defineEvent } from "./envelope.js";
import { currencyCode, isoDateTime, minorUnits, openEnum, openObject } from "../provider/schema-kit.js";

const conversionStatus = openEnum(["pending", "approved", "refunded", "rejected", "partially_refunded", "paid"]);

const money = {
  id: z.string(),
  affiliateId: z.string(),
  /** Integer minor units (cents). */
  amount: minorUnits(),
  /** Lowercase ISO code, e.g. `usd`. */
  currency: currencyCode(),
  /** Integer minor units (cents). */
  commissionAmount: minorUnits(),
  status: conversionStatus,
};

/**
 * `conversion.created`: a conversion was recorded (from Stripe or via the API).
 * The testing page's sample omits `programId`, `externalId` and `data.createdAt`.
 *
 * @example
 * const event = conversionCreatedSchema.parse(JSON.parse(body));
 * event.data.commissionAmount; // 2970 (cents)
 */
export const conversionCreatedSchema = defineEvent(
  "conversion.created",
  openObject({ ...money, externalId: z.string().optional(), createdAt: isoDateTime().optional() }),
  "optional",
);

/**
 * `conversion.refunded`: a conversion was refunded.
 *
 * @example
 * const event = conversionRefundedSchema.parse(JSON.parse(body));
 * event.data.refundedAt;
 */
export const conversionRefundedSchema = defineEvent(
  "conversion.refunded",
  openObject({ ...money, refundedAt: isoDateTime() }),
  "optional",
);

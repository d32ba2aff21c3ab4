import { z } from "zod";
import { defineEvent } from "./envelope.js";
import { currencyCode, isoDateTime, minorUnits, openEnum, openObject } from "../provider/schema-kit.js";

const payoutStatus = openEnum(["pending", "processing", "completed", "failed"]);

const payout = {
  id: z.string(),
  affiliateId: z.string(),
  amount: minorUnits(),
  currency: currencyCode(),
  status: payoutStatus,
};

// Payouts are merchant-scoped: their envelope carries no programId.

/**
 * `payout.created`: a payout was created for an affiliate.
 *
 * @example
 * const event = payoutCreatedSchema.parse(JSON.parse(body));
 * event.data.amount; // 15000 (cents)
 */
export const payoutCreatedSchema = defineEvent(
  "payout.created",
  openObject({ ...payout, createdAt: isoDateTime() }),
  "absent",
);

/**
 * `payout.processing`: the merchant started the external payment.
 *
 * @example
 * const event = payoutProcessingSchema.parse(JSON.parse(body));
 * event.data.status; // "processing"
 */
export const payoutProcessingSchema = defineEvent("payout.processing", openObject(payout), "absent");

/**
 * `payout.completed`: the external payment succeeded.
 *
 * @example
 * const event = payoutCompletedSchema.parse(JSON.parse(body));
 * event.data.completedAt;
 */
export const payoutCompletedSchema = defineEvent(
  "payout.completed",
  openObject({ ...payout, completedAt: isoDateTime() }),
  "absent",
);

/**
 * `payout.failed`: a payout attempt failed; `failureReason` says why.
 *
 * @example
 * const event = payoutFailedSchema.parse(JSON.parse(body));
 * event.data.failureReason; // "External payment rejected by provider"
 */
export const payoutFailedSchema = defineEvent(
  "payout.failed",
  openObject({ ...payout, failureReason: z.string(), failedAt: isoDateTime() }),
  "absent",
);

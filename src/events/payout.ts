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

const payout = {
  id: z.string(),
  affiliateId: z.string(),
  amount: minorUnits(),
  currency: currencyCode(),
  status: openEnum(["pending", "processing", "completed", "failed"]),
};

const payoutCreated = defineEvent("payout.created", "absent", { ...payout, createdAt: isoDateTime() });

/**
 * The `data` of a `payout.created` event.
 * @example const data: PayoutCreatedData = event.data; // data.amount: 15000 (cents)
 */
export interface PayoutCreatedData extends KnownFields<z.output<typeof payoutCreated>["data"]> {}

/**
 * A `payout.created` event.
 * @example function schedule(event: PayoutCreatedEvent) { return event.data.amount; }
 */
export interface PayoutCreatedEvent extends EventFields<typeof payoutCreated, PayoutCreatedData> {}

/** `payout.created`: a payout was created for an affiliate. */
export const payoutCreatedSchema: NamedEventSchema<typeof payoutCreated, PayoutCreatedEvent> = payoutCreated;

const payoutProcessing = defineEvent("payout.processing", "absent", payout);

/**
 * The `data` of a `payout.processing` event.
 * @example const data: PayoutProcessingData = event.data; // data.status: "processing"
 */
export interface PayoutProcessingData extends KnownFields<z.output<typeof payoutProcessing>["data"]> {}

/**
 * A `payout.processing` event.
 * @example function track(event: PayoutProcessingEvent) { return event.data.id; }
 */
export interface PayoutProcessingEvent extends EventFields<typeof payoutProcessing, PayoutProcessingData> {}

/** `payout.processing`: the merchant started the external payment. */
export const payoutProcessingSchema: NamedEventSchema<typeof payoutProcessing, PayoutProcessingEvent> = payoutProcessing;

const payoutCompleted = defineEvent("payout.completed", "absent", { ...payout, completedAt: isoDateTime() });

/**
 * The `data` of a `payout.completed` event.
 * @example const data: PayoutCompletedData = event.data;
 */
export interface PayoutCompletedData extends KnownFields<z.output<typeof payoutCompleted>["data"]> {}

/**
 * A `payout.completed` event.
 * @example function settle(event: PayoutCompletedEvent) { return event.data.completedAt; }
 */
export interface PayoutCompletedEvent extends EventFields<typeof payoutCompleted, PayoutCompletedData> {}

/** `payout.completed`: the external payment succeeded. */
export const payoutCompletedSchema: NamedEventSchema<typeof payoutCompleted, PayoutCompletedEvent> = payoutCompleted;

const payoutFailed = defineEvent("payout.failed", "absent", { ...payout, failureReason: z.string(), failedAt: isoDateTime() });

/**
 * The `data` of a `payout.failed` event.
 * @example const data: PayoutFailedData = event.data; // data.failureReason: "External payment rejected by provider"
 */
export interface PayoutFailedData extends KnownFields<z.output<typeof payoutFailed>["data"]> {}

/**
 * A `payout.failed` event.
 * @example function alertOps(event: PayoutFailedEvent) { return event.data.failureReason; }
 */
export interface PayoutFailedEvent extends EventFields<typeof payoutFailed, PayoutFailedData> {}

/** `payout.failed`: a payout attempt failed; `failureReason` says why. */
export const payoutFailedSchema: NamedEventSchema<typeof payoutFailed, PayoutFailedEvent> = payoutFailed;

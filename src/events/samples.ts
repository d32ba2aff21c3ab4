import type { z } from "zod";
import type { EventOf, EventType, eventSchemas } from "./catalog.js";

// AgentRef's documented examples (events reference, seed 001), one per event type, with the
// published values and key order: tests parse every one of them.
function sample<T extends EventType>(type: T, id: string, createdAt: string, data: EventOf<T>["data"]): EventOf<T> {
  return {
    id,
    type,
    schemaVersion: 2,
    createdAt,
    merchantId: "mer_abc123",
    ...(type.startsWith("payout.") ? {} : { programId: "prg_xyz789" }),
    environment: "production",
    data,
  } as EventOf<T>;
}

const program = { id: "prg_xyz789", name: "Pro Plan Affiliates", commissionType: "percentage" };
const affiliate = { id: "aff_def456", email: "affiliate@example.com" };
const jane = { name: "Jane Smith", referralCode: "jane" };
const conversion = { id: "conv_ghi789", affiliateId: "aff_def456", amount: 9900, currency: "usd", commissionAmount: 2970 };
const payout = { id: "pay_jkl012", affiliateId: "aff_def456", amount: 15000, currency: "usd" };

/**
 * Every documented example payload, keyed by event type.
 * @example
 * import { sampleEvents } from "agentref-webhooks/testing";
 * sampleEvents["payout.failed"].data.failureReason; // "External payment rejected by provider"
 */
export const sampleEvents = {
  "program.created": sample("program.created", "msg_001", "2026-03-23T14:30:00.000Z", {
    ...program,
    commissionValue: 30,
    cookieDuration: 90,
    status: "active",
  }),
  "program.updated": sample("program.updated", "msg_002", "2026-03-23T14:31:00.000Z", {
    ...program,
    commissionValue: 35,
    cookieDuration: 90,
    status: "active",
    updatedFields: ["commissionValue"],
  }),
  "affiliate.joined": sample("affiliate.joined", "msg_003", "2026-03-23T15:00:00.000Z", {
    ...affiliate,
    ...jane,
    status: "pending",
    joinedAt: "2026-03-23T15:00:00.000Z",
  }),
  "affiliate.approved": sample("affiliate.approved", "msg_004", "2026-03-23T15:05:00.000Z", {
    ...affiliate,
    ...jane,
    status: "active",
    approvedAt: "2026-03-23T15:05:00.000Z",
  }),
  "affiliate.blocked": sample("affiliate.blocked", "msg_005", "2026-03-23T16:00:00.000Z", {
    ...affiliate,
    status: "blocked",
    reason: "Suspicious click patterns detected",
    blockedAt: "2026-03-23T16:00:00.000Z",
  }),
  "affiliate.unblocked": sample("affiliate.unblocked", "msg_006", "2026-03-23T17:00:00.000Z", {
    ...affiliate,
    status: "active",
    unblockedAt: "2026-03-23T17:00:00.000Z",
  }),
  "conversion.created": sample("conversion.created", "msg_007", "2026-03-23T18:00:00.000Z", {
    ...conversion,
    status: "pending",
    externalId: "cs_live_abc123",
    createdAt: "2026-03-23T18:00:00.000Z",
  }),
  "conversion.refunded": sample("conversion.refunded", "msg_008", "2026-03-23T19:00:00.000Z", {
    ...conversion,
    status: "refunded",
    refundedAt: "2026-03-23T19:00:00.000Z",
  }),
  "payout.created": sample("payout.created", "msg_009", "2026-03-24T10:00:00.000Z", {
    ...payout,
    status: "pending",
    createdAt: "2026-03-24T10:00:00.000Z",
  }),
  "payout.processing": sample("payout.processing", "msg_010", "2026-03-24T10:05:00.000Z", { ...payout, status: "processing" }),
  "payout.completed": sample("payout.completed", "msg_011", "2026-03-24T12:00:00.000Z", {
    ...payout,
    status: "completed",
    completedAt: "2026-03-24T12:00:00.000Z",
  }),
  "payout.failed": sample("payout.failed", "msg_012", "2026-03-24T12:00:00.000Z", {
    ...payout,
    status: "failed",
    failureReason: "External payment rejected by provider",
    failedAt: "2026-03-24T12:00:00.000Z",
  }),
  "flag.resolved": sample("flag.resolved", "msg_013", "2026-03-24T14:00:00.000Z", {
    id: "flag_mno345",
    affiliateId: "aff_def456",
    type: "suspicious_click_pattern",
    resolution: "dismissed",
    resolvedAt: "2026-03-24T14:00:00.000Z",
    resolvedBy: "merchant",
  }),
};

/**
 * Variants that other public copies of AgentRef's docs show, which the schemas must accept too.
 * @example
 * import { sampleVariants } from "agentref-webhooks/testing";
 * parseEvent(sampleVariants.recurringProgram).data.commissionPercent; // 20
 */
export const sampleVariants = {
  /** A copy of the events page: `commissionType: "recurring"` with `commissionPercent`. */
  recurringProgram: {
    ...sampleEvents["program.created"],
    data: { ...program, commissionType: "recurring", commissionPercent: 20, cookieDuration: 90, status: "active" },
  },
  /** The testing page's sample: no `programId`, no `externalId`, no `data.createdAt`. */
  testingPageConversion: {
    id: "msg_test_001",
    type: "conversion.created",
    schemaVersion: 2,
    createdAt: "2026-03-23T18:00:00.000Z",
    merchantId: "mer_abc123",
    environment: "development",
    data: { ...conversion, id: "conv_test_001", status: "pending" },
  },
} as const satisfies Record<string, z.input<(typeof eventSchemas)[EventType]>>;

// Over 200 lines: data, AgentRef's documented example payloads, one per event type.
import type { z } from "zod";
import type { eventSchemas } from "./catalog.js";

type SampleMap = { [T in keyof typeof eventSchemas]: z.input<(typeof eventSchemas)[T]> };

// Transcribed verbatim from AgentRef's events reference (seed 001): one documented
// example per event type. Tests parse every one of them; keep them byte-for-byte.

/**
 * Every documented example payload, keyed by event type.
 *
 * @example
 * import { sampleEvents } from "agentref-webhooks/testing";
 * sampleEvents["payout.failed"].data.failureReason; // "External payment rejected by provider"
 */
export const sampleEvents = {
  "program.created": {
    "id": "msg_001",
    "type": "program.created",
    "schemaVersion": 2,
    "createdAt": "2026-03-23T14:30:00.000Z",
    "merchantId": "mer_abc123",
    "programId": "prg_xyz789",
    "environment": "production",
    "data": {
      "id": "prg_xyz789",
      "name": "Pro Plan Affiliates",
      "commissionType": "percentage",
      "commissionValue": 30,
      "cookieDuration": 90,
      "status": "active"
    }
  },
  "program.updated": {
    "id": "msg_002",
    "type": "program.updated",
    "schemaVersion": 2,
    "createdAt": "2026-03-23T14:31:00.000Z",
    "merchantId": "mer_abc123",
    "programId": "prg_xyz789",
    "environment": "production",
    "data": {
      "id": "prg_xyz789",
      "name": "Pro Plan Affiliates",
      "commissionType": "percentage",
      "commissionValue": 35,
      "cookieDuration": 90,
      "status": "active",
      "updatedFields": [
        "commissionValue"
      ]
    }
  },
  "affiliate.joined": {
    "id": "msg_003",
    "type": "affiliate.joined",
    "schemaVersion": 2,
    "createdAt": "2026-03-23T15:00:00.000Z",
    "merchantId": "mer_abc123",
    "programId": "prg_xyz789",
    "environment": "production",
    "data": {
      "id": "aff_def456",
      "email": "affiliate@example.com",
      "name": "Jane Smith",
      "referralCode": "jane",
      "status": "pending",
      "joinedAt": "2026-03-23T15:00:00.000Z"
    }
  },
  "affiliate.approved": {
    "id": "msg_004",
    "type": "affiliate.approved",
    "schemaVersion": 2,
    "createdAt": "2026-03-23T15:05:00.000Z",
    "merchantId": "mer_abc123",
    "programId": "prg_xyz789",
    "environment": "production",
    "data": {
      "id": "aff_def456",
      "email": "affiliate@example.com",
      "name": "Jane Smith",
      "referralCode": "jane",
      "status": "active",
      "approvedAt": "2026-03-23T15:05:00.000Z"
    }
  },
  "affiliate.blocked": {
    "id": "msg_005",
    "type": "affiliate.blocked",
    "schemaVersion": 2,
    "createdAt": "2026-03-23T16:00:00.000Z",
    "merchantId": "mer_abc123",
    "programId": "prg_xyz789",
    "environment": "production",
    "data": {
      "id": "aff_def456",
      "email": "affiliate@example.com",
      "status": "blocked",
      "reason": "Suspicious click patterns detected",
      "blockedAt": "2026-03-23T16:00:00.000Z"
    }
  },
  "affiliate.unblocked": {
    "id": "msg_006",
    "type": "affiliate.unblocked",
    "schemaVersion": 2,
    "createdAt": "2026-03-23T17:00:00.000Z",
    "merchantId": "mer_abc123",
    "programId": "prg_xyz789",
    "environment": "production",
    "data": {
      "id": "aff_def456",
      "email": "affiliate@example.com",
      "status": "active",
      "unblockedAt": "2026-03-23T17:00:00.000Z"
    }
  },
  "conversion.created": {
    "id": "msg_007",
    "type": "conversion.created",
    "schemaVersion": 2,
    "createdAt": "2026-03-23T18:00:00.000Z",
    "merchantId": "mer_abc123",
    "programId": "prg_xyz789",
    "environment": "production",
    "data": {
      "id": "conv_ghi789",
      "affiliateId": "aff_def456",
      "amount": 9900,
      "currency": "usd",
      "commissionAmount": 2970,
      "status": "pending",
      "externalId": "cs_live_abc123",
      "createdAt": "2026-03-23T18:00:00.000Z"
    }
  },
  "conversion.refunded": {
    "id": "msg_008",
    "type": "conversion.refunded",
    "schemaVersion": 2,
    "createdAt": "2026-03-23T19:00:00.000Z",
    "merchantId": "mer_abc123",
    "programId": "prg_xyz789",
    "environment": "production",
    "data": {
      "id": "conv_ghi789",
      "affiliateId": "aff_def456",
      "amount": 9900,
      "currency": "usd",
      "commissionAmount": 2970,
      "status": "refunded",
      "refundedAt": "2026-03-23T19:00:00.000Z"
    }
  },
  "payout.created": {
    "id": "msg_009",
    "type": "payout.created",
    "schemaVersion": 2,
    "createdAt": "2026-03-24T10:00:00.000Z",
    "merchantId": "mer_abc123",
    "environment": "production",
    "data": {
      "id": "pay_jkl012",
      "affiliateId": "aff_def456",
      "amount": 15000,
      "currency": "usd",
      "status": "pending",
      "createdAt": "2026-03-24T10:00:00.000Z"
    }
  },
  "payout.processing": {
    "id": "msg_010",
    "type": "payout.processing",
    "schemaVersion": 2,
    "createdAt": "2026-03-24T10:05:00.000Z",
    "merchantId": "mer_abc123",
    "environment": "production",
    "data": {
      "id": "pay_jkl012",
      "affiliateId": "aff_def456",
      "amount": 15000,
      "currency": "usd",
      "status": "processing"
    }
  },
  "payout.completed": {
    "id": "msg_011",
    "type": "payout.completed",
    "schemaVersion": 2,
    "createdAt": "2026-03-24T12:00:00.000Z",
    "merchantId": "mer_abc123",
    "environment": "production",
    "data": {
      "id": "pay_jkl012",
      "affiliateId": "aff_def456",
      "amount": 15000,
      "currency": "usd",
      "status": "completed",
      "completedAt": "2026-03-24T12:00:00.000Z"
    }
  },
  "payout.failed": {
    "id": "msg_012",
    "type": "payout.failed",
    "schemaVersion": 2,
    "createdAt": "2026-03-24T12:00:00.000Z",
    "merchantId": "mer_abc123",
    "environment": "production",
    "data": {
      "id": "pay_jkl012",
      "affiliateId": "aff_def456",
      "amount": 15000,
      "currency": "usd",
      "status": "failed",
      "failureReason": "External payment rejected by provider",
      "failedAt": "2026-03-24T12:00:00.000Z"
    }
  },
  "flag.resolved": {
    "id": "msg_013",
    "type": "flag.resolved",
    "schemaVersion": 2,
    "createdAt": "2026-03-24T14:00:00.000Z",
    "merchantId": "mer_abc123",
    "programId": "prg_xyz789",
    "environment": "production",
    "data": {
      "id": "flag_mno345",
      "affiliateId": "aff_def456",
      "type": "suspicious_click_pattern",
      "resolution": "dismissed",
      "resolvedAt": "2026-03-24T14:00:00.000Z",
      "resolvedBy": "merchant"
    }
  },
} as const satisfies SampleMap;

/**
 * Variants that other public copies of AgentRef's docs show, which the schemas must accept too.
 *
 * @example
 * import { sampleVariants } from "agentref-webhooks/testing";
 * parseEvent(sampleVariants.recurringProgram).data.commissionPercent; // 20
 */
export const sampleVariants = {
  /** A copy of the events page: `commissionType: "recurring"` with `commissionPercent`. */
  recurringProgram: {
    ...sampleEvents["program.created"],
    data: {
      id: "prg_xyz789",
      name: "Pro Plan Affiliates",
      commissionType: "recurring",
      commissionPercent: 20,
      cookieDuration: 90,
      status: "active",
    },
  },
  /** The testing page's sample: no `programId`, no `externalId`, no `data.createdAt`. */
  testingPageConversion: {
    id: "msg_test_001",
    type: "conversion.created",
    schemaVersion: 2,
    createdAt: "2026-03-23T18:00:00.000Z",
    merchantId: "mer_abc123",
    environment: "development",
    data: {
      id: "conv_test_001",
      affiliateId: "aff_def456",
      amount: 9900,
      currency: "usd",
      commissionAmount: 2970,
      status: "pending",
    },
  },
} as const satisfies Record<string, SampleMap[keyof SampleMap]>;

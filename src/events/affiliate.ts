import { z } from "zod";
import { defineEvent } from "./envelope.js";
import { isoDateTime, openEnum, openObject } from "../provider/schema-kit.js";

const affiliateStatus = openEnum(["pending", "active", "blocked"]);

const identity = {
  id: z.string(),
  email: z.string(),
  status: affiliateStatus,
};

/**
 * `affiliate.joined`: an affiliate joined a program (invite link or marketplace).
 *
 * @example
 * const event = affiliateJoinedSchema.parse(JSON.parse(body));
 * event.data.referralCode; // "jane"
 */
export const affiliateJoinedSchema = defineEvent(
  "affiliate.joined",
  openObject({ ...identity, name: z.string(), referralCode: z.string(), joinedAt: isoDateTime() }),
  "required",
);

/**
 * `affiliate.approved`: a pending affiliate was approved.
 *
 * @example
 * const event = affiliateApprovedSchema.parse(JSON.parse(body));
 * event.data.approvedAt;
 */
export const affiliateApprovedSchema = defineEvent(
  "affiliate.approved",
  openObject({ ...identity, name: z.string(), referralCode: z.string(), approvedAt: isoDateTime() }),
  "required",
);

/**
 * `affiliate.blocked`: an affiliate was blocked (manually or by fraud detection).
 *
 * @example
 * const event = affiliateBlockedSchema.parse(JSON.parse(body));
 * event.data.reason; // "Suspicious click patterns detected"
 */
export const affiliateBlockedSchema = defineEvent(
  "affiliate.blocked",
  openObject({ ...identity, name: z.string().optional(), reason: z.string(), blockedAt: isoDateTime() }),
  "required",
);

/**
 * `affiliate.unblocked`: a blocked affiliate was reinstated.
 *
 * @example
 * const event = affiliateUnblockedSchema.parse(JSON.parse(body));
 * event.data.unblockedAt;
 */
export const affiliateUnblockedSchema = defineEvent(
  "affiliate.unblocked",
  openObject({ ...identity, name: z.string().optional(), unblockedAt: isoDateTime() }),
  "required",
);

import { z } from "zod";
import { defineEvent } from "./envelope.js";
import { isoDateTime, openEnum, openObject } from "../provider/schema-kit.js";

const flagType = openEnum([
  "suspicious_click_pattern",
  "suspicious_activity",
  "self_referral",
  "high_click_frequency",
  "conversion_anomaly",
  "manual_review",
]);

/**
 * `flag.resolved`: a fraud flag was resolved (dismissed or confirmed).
 *
 * @example
 * const event = flagResolvedSchema.parse(JSON.parse(body));
 * if (event.data.resolution === "confirmed") blockAffiliate(event.data.affiliateId);
 */
export const flagResolvedSchema = defineEvent(
  "flag.resolved",
  openObject({
    id: z.string(),
    affiliateId: z.string(),
    type: flagType,
    resolution: openEnum(["dismissed", "confirmed"]),
    resolvedAt: isoDateTime(),
    resolvedBy: z.string(),
  }),
  "required",
);

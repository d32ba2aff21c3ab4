import { z } from "zod";
import { defineEvent } from "./envelope.js";
import { isoDateTime, openEnum, type EventFields, type KnownFields, type NamedEventSchema } from "../provider/schema-kit.js";

const flagResolved = defineEvent("flag.resolved", "required", {
  id: z.string(),
  affiliateId: z.string(),
  type: openEnum([
    "suspicious_click_pattern",
    "suspicious_activity",
    "self_referral",
    "high_click_frequency",
    "conversion_anomaly",
    "manual_review",
  ]),
  resolution: openEnum(["dismissed", "confirmed"]),
  resolvedAt: isoDateTime(),
  resolvedBy: z.string(),
});

/**
 * The `data` of a `flag.resolved` event.
 * @example const data: FlagResolvedData = event.data; // data.resolution: "dismissed" | "confirmed" | …
 */
export interface FlagResolvedData extends KnownFields<z.output<typeof flagResolved>["data"]> {}

/**
 * A `flag.resolved` event.
 * @example function review(event: FlagResolvedEvent) { return event.data.resolution === "confirmed"; }
 */
export interface FlagResolvedEvent extends EventFields<typeof flagResolved, FlagResolvedData> {}

/** `flag.resolved`: a fraud flag was resolved (dismissed or confirmed). */
export const flagResolvedSchema: NamedEventSchema<typeof flagResolved, FlagResolvedEvent> = flagResolved;

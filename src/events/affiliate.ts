import { z } from "zod";
import { defineEvent } from "./envelope.js";
import { isoDateTime, openEnum, type EventFields, type KnownFields, type NamedEventSchema } from "../provider/schema-kit.js";

const identity = {
  id: z.string(),
  email: z.string(),
  status: openEnum(["pending", "active", "blocked"]),
};

const profile = { name: z.string(), referralCode: z.string() };

const affiliateJoined = defineEvent("affiliate.joined", "required", { ...identity, ...profile, joinedAt: isoDateTime() });

/**
 * The `data` of an `affiliate.joined` event.
 * @example const data: AffiliateJoinedData = event.data; // data.referralCode: "jane"
 */
export interface AffiliateJoinedData extends KnownFields<z.output<typeof affiliateJoined>["data"]> {}

/**
 * An `affiliate.joined` event.
 * @example function welcome(event: AffiliateJoinedEvent) { return event.data.email; }
 */
export interface AffiliateJoinedEvent extends EventFields<typeof affiliateJoined, AffiliateJoinedData> {}

/** `affiliate.joined`: an affiliate joined a program (invite link or marketplace). */
export const affiliateJoinedSchema: NamedEventSchema<typeof affiliateJoined, AffiliateJoinedEvent> = affiliateJoined;

const affiliateApproved = defineEvent("affiliate.approved", "required", { ...identity, ...profile, approvedAt: isoDateTime() });

/**
 * The `data` of an `affiliate.approved` event.
 * @example const data: AffiliateApprovedData = event.data;
 */
export interface AffiliateApprovedData extends KnownFields<z.output<typeof affiliateApproved>["data"]> {}

/**
 * An `affiliate.approved` event.
 * @example function onboard(event: AffiliateApprovedEvent) { return event.data.referralCode; }
 */
export interface AffiliateApprovedEvent extends EventFields<typeof affiliateApproved, AffiliateApprovedData> {}

/** `affiliate.approved`: a pending affiliate was approved. */
export const affiliateApprovedSchema: NamedEventSchema<typeof affiliateApproved, AffiliateApprovedEvent> = affiliateApproved;

const affiliateBlocked = defineEvent("affiliate.blocked", "required", {
  ...identity,
  name: z.string().optional(),
  reason: z.string(),
  blockedAt: isoDateTime(),
});

/**
 * The `data` of an `affiliate.blocked` event.
 * @example const data: AffiliateBlockedData = event.data; // data.reason: "Suspicious click patterns detected"
 */
export interface AffiliateBlockedData extends KnownFields<z.output<typeof affiliateBlocked>["data"]> {}

/**
 * An `affiliate.blocked` event.
 * @example function suspend(event: AffiliateBlockedEvent) { return event.data.reason; }
 */
export interface AffiliateBlockedEvent extends EventFields<typeof affiliateBlocked, AffiliateBlockedData> {}

/** `affiliate.blocked`: an affiliate was blocked (manually or by fraud detection). */
export const affiliateBlockedSchema: NamedEventSchema<typeof affiliateBlocked, AffiliateBlockedEvent> = affiliateBlocked;

const affiliateUnblocked = defineEvent("affiliate.unblocked", "required", {
  ...identity,
  name: z.string().optional(),
  unblockedAt: isoDateTime(),
});

/**
 * The `data` of an `affiliate.unblocked` event.
 * @example const data: AffiliateUnblockedData = event.data;
 */
export interface AffiliateUnblockedData extends KnownFields<z.output<typeof affiliateUnblocked>["data"]> {}

/**
 * An `affiliate.unblocked` event.
 * @example function reinstate(event: AffiliateUnblockedEvent) { return event.data.id; }
 */
export interface AffiliateUnblockedEvent extends EventFields<typeof affiliateUnblocked, AffiliateUnblockedData> {}

/** `affiliate.unblocked`: a blocked affiliate was reinstated. */
export const affiliateUnblockedSchema: NamedEventSchema<typeof affiliateUnblocked, AffiliateUnblockedEvent> = affiliateUnblocked;

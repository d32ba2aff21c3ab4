export * from "./catalog.js";
export { envelopeSchema, environmentSchema, SCHEMA_VERSION, defineEvent, type ProgramScope } from "./envelope.js";
export {
  programCreatedSchema,
  programUpdatedSchema,
  type ProgramCreatedData,
  type ProgramCreatedEvent,
  type ProgramUpdatedData,
  type ProgramUpdatedEvent,
} from "./program.js";
export {
  affiliateJoinedSchema,
  affiliateApprovedSchema,
  affiliateBlockedSchema,
  affiliateUnblockedSchema,
  type AffiliateApprovedData,
  type AffiliateApprovedEvent,
  type AffiliateBlockedData,
  type AffiliateBlockedEvent,
  type AffiliateJoinedData,
  type AffiliateJoinedEvent,
  type AffiliateUnblockedData,
  type AffiliateUnblockedEvent,
} from "./affiliate.js";
export {
  conversionCreatedSchema,
  conversionRefundedSchema,
  type ConversionCreatedData,
  type ConversionCreatedEvent,
  type ConversionRefundedData,
  type ConversionRefundedEvent,
} from "./conversion.js";
export {
  payoutCreatedSchema,
  payoutProcessingSchema,
  payoutCompletedSchema,
  payoutFailedSchema,
  type PayoutCompletedData,
  type PayoutCompletedEvent,
  type PayoutCreatedData,
  type PayoutCreatedEvent,
  type PayoutFailedData,
  type PayoutFailedEvent,
  type PayoutProcessingData,
  type PayoutProcessingEvent,
} from "./payout.js";
export { flagResolvedSchema, type FlagResolvedData, type FlagResolvedEvent } from "./fraud.js";

export * from "./catalog.js";
export { envelopeSchema, environmentSchema, SCHEMA_VERSION, defineEvent, type ProgramScope } from "./envelope.js";
export {
  programCreatedSchema,
  programUpdatedSchema,
} from "./program.js";
export {
  affiliateJoinedSchema,
  affiliateApprovedSchema,
  affiliateBlockedSchema,
  affiliateUnblockedSchema,
} from "./affiliate.js";
export { conversionCreatedSchema, conversionRefundedSchema } from "./conversion.js";
export { payoutCreatedSchema, payoutProcessingSchema, payoutCompletedSchema, payoutFailedSchema } from "./payout.js";
export { flagResolvedSchema } from "./fraud.js";

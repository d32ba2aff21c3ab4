// The public surface of "agentref-webhooks", written out by name. Optional drivers and integrations
// (redis, pg, sqlite, bullmq, OpenTelemetry, msw) live behind their own subpaths, so this never loads one.

// The receiver
export { createHandler } from "./handler/create-handler.js";
export type {
  CreateHandlerOptions,
  Enqueue,
  EventHandler,
  HandlerMap,
  HandlerOptionsBase,
  Ignore,
  WebhookHandler,
} from "./handler/types.js";
export type { SecretOption } from "./lifecycle/authenticate.js";
export type { DeliveryMeta, HandlerContext, LifecycleInfo, SecretHints } from "./lifecycle/context.js";
export type { Telemetry } from "./lifecycle/telemetry.js";
export { outcomeStatus, type DeliveryOutcome } from "./lifecycle/answer.js";
export type { Logger, LoggerInput } from "./util/logger.js";

// Idempotency
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from "./idempotency/memory.js";
export type {
  ClaimOptions,
  ClaimResult,
  EntityClaimResult,
  EntityPosition,
  IdempotencyStore,
  ParkedDelivery,
  StoreSettings,
} from "./idempotency/store.js";

// Ordering and parking
export { listParked, replayParked, type ListParkedOptions, type ReplayedDelivery, type ReplayParkedOptions } from "./api/parked.js";

// Verification and parsing, each usable alone
export { verifyWebhook, type VerifyWebhookInput } from "./verify/verify-webhook.js";
export { createVerifier, type VerifiedDelivery, type Verifier, type VerifierOptions, type VerifyInput } from "./verify/verifier.js";
export { constructEvent, type ConstructEventInput } from "./api/construct-event.js";
export { parseEvent, type ParseEventOptions, type ParsedEvent } from "./api/parse-event.js";
export { isEventType } from "./provider/parse.js";
export { UnknownEvent, isUnknownEvent } from "./provider/unknown-event.js";

// AgentRef's events
export { eventSchemas, eventTypes, strictEventSchemas, type AgentRefEvent, type EventOf, type EventType } from "./events/catalog.js";
export {
  type ProgramCreatedEvent,
  type ProgramCreatedData,
  type ProgramUpdatedEvent,
  type ProgramUpdatedData,
  type AffiliateJoinedEvent,
  type AffiliateJoinedData,
  type AffiliateApprovedEvent,
  type AffiliateApprovedData,
  type AffiliateBlockedEvent,
  type AffiliateBlockedData,
  type AffiliateUnblockedEvent,
  type AffiliateUnblockedData,
  type ConversionCreatedEvent,
  type ConversionCreatedData,
  type ConversionRefundedEvent,
  type ConversionRefundedData,
  type PayoutCreatedEvent,
  type PayoutCreatedData,
  type PayoutProcessingEvent,
  type PayoutProcessingData,
  type PayoutCompletedEvent,
  type PayoutCompletedData,
  type PayoutFailedEvent,
  type PayoutFailedData,
  type FlagResolvedEvent,
  type FlagResolvedData,
} from "./events/index.js";
export { envelopeSchema } from "./events/envelope.js";

// Errors
export { errorStatus, type WebhookErrorCode } from "./errors/codes.js";
export {
  isWebhookError,
  WebhookBodyError,
  WebhookConfigError,
  WebhookError,
  WebhookPayloadError,
  WebhookVerificationError,
  type PayloadIssue,
} from "./errors/webhook-error.js";

// Providers and signature schemes
export { agentref, type AgentRefProvider } from "./providers/agentref.js";
export {
  defineProvider,
  type AnyOrderingRules,
  type AnyProvider,
  type EnvelopeSpec,
  type EventSchemaMap,
  type EventTypeOf,
  type OrderingRules,
  type Provider,
  type ProviderDefinition,
  type ProviderEvent,
  type ProviderEventOf,
} from "./provider/define-provider.js";
export { openEnum, openObject } from "./provider/schema-kit.js";
export { createHmacScheme, type HeaderFamily, type HmacSchemeOptions, type SignatureScheme, type SignedHeaders, type SignInput } from "./verify/scheme.js";
export { createStandardWebhooksScheme, standardWebhooksScheme, type StandardWebhooksSchemeOptions } from "./verify/standard-webhooks.js";
export { createHexHmacScheme, type HexHmacSchemeOptions } from "./verify/hex-hmac.js";
export type { HeadersInput } from "./verify/headers.js";
export type { RawBody } from "./verify/body.js";

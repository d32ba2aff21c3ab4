// The public barrel of "agentref-webhooks". Optional drivers (redis, pg, bullmq, msw)
// live behind their own subpaths, so importing this never loads one.

export * from "./errors/index.js";
export * from "./events/index.js";
export { parseEvent, type ParseEventOptions, type ParsedEvent } from "./api/parse-event.js";
export { isEventType } from "./provider/parse.js";
export { UnknownEvent, isUnknownEvent } from "./provider/unknown-event.js";
export { openEnum, openObject, toStrict } from "./provider/schema-kit.js";
export {
  defineProvider,
  retryWindowMs,
  type AnyProvider,
  type EnvelopeSpec,
  type EventSchemaMap,
  type EventTypeOf,
  type Provider,
  type ProviderDefinition,
  type ProviderEvent,
  type ProviderEventOf,
} from "./provider/define-provider.js";
export { agentref, agentrefRetrySchedule, type AgentRefProvider } from "./providers/agentref.js";
export type { Logger } from "./util/logger.js";
export * from "./verify/index.js";
export { constructEvent, type ConstructEventInput } from "./api/construct-event.js";
export * from "./handler/index.js";
export {
  createMemoryStore,
  DEFAULT_LEASE_MS,
  DEFAULT_TTL_MS,
  type ClaimOptions,
  type ClaimResult,
  type IdempotencyStore,
  type StoreSettings,
} from "./idempotency/index.js";

// The public barrel of "agentref-webhooks". Optional drivers (redis, pg, bullmq, msw)
// live behind their own subpaths, so importing this never loads one.

export * from "./errors/index.js";
export * from "./events/index.js";
export {
  defineProvider,
  type AnyProvider,
  type EnvelopeSpec,
  type EventSchemaMap,
  type EventTypeOf,
  type Provider,
  type ProviderDefinition,
  type ProviderEvent,
  type ProviderEventOf,
} from "./core/provider.js";
export { agentref, agentrefRetrySchedule, type AgentRefProvider } from "./providers/agentref.js";
export type { Logger } from "./core/logger.js";
export * from "./verify/index.js";
export { constructEvent, type ConstructEventInput } from "./core/construct-event.js";
export * from "./handler/index.js";
export {
  createMemoryStore,
  DEFAULT_LEASE_MS,
  DEFAULT_TTL_MS,
  MIN_SAFE_TTL_MS,
  type ClaimOptions,
  type ClaimResult,
  type IdempotencyStore,
  type StoreSettings,
} from "./idempotency/index.js";

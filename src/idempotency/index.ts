// The driver-free core. The Redis and PostgreSQL stores are separate subpaths
// (agentref-webhooks/redis, agentref-webhooks/postgres) so this barrel never loads a driver.
export { DEFAULT_LEASE_MS, DEFAULT_TTL_MS, type ClaimOptions, type ClaimResult, type IdempotencyStore, type StoreSettings } from "./store.js";
export { DEFAULT_MAX_ENTRIES, createMemoryStore, type MemoryStore, type MemoryStoreOptions } from "./memory.js";
export { type StoreSettingsInput } from "./settings.js";

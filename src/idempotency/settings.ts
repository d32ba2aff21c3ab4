import type { Logger } from "../util/logger.js";
import { WebhookError } from "../errors/index.js";
import { DEFAULT_LEASE_MS, DEFAULT_TTL_MS, type StoreSettings } from "./store.js";
import { positiveInteger } from "../util/options.js";
import { withTimeout } from "../util/timeout.js";

/** The options every store accepts for its timings and warnings. */
export interface StoreSettingsInput {
  /** Milliseconds a record lives (not seconds). Default {@link DEFAULT_TTL_MS}. */
  ttlMs?: number;
  /** Milliseconds a claim stays exclusive (not seconds). Default {@link DEFAULT_LEASE_MS}. */
  leaseMs?: number;
  /** Where a store's warnings go (the memory store's eviction notices). Default: the console. */
  logger?: Logger;
}

/** Resolves `ttlMs` / `leaseMs` to their defaults; impossible values throw at creation. */
export function resolveStoreSettings(storeName: string, input: StoreSettingsInput = {}): StoreSettings {
  const ttlMs = positiveInteger(`${storeName} store`, "ttlMs", input.ttlMs, DEFAULT_TTL_MS);
  const leaseMs = positiveInteger(`${storeName} store`, "leaseMs", input.leaseMs, DEFAULT_LEASE_MS);
  if (leaseMs >= ttlMs) {
    throw new RangeError(
      `${storeName} store: leaseMs (${leaseMs}) must be shorter than ttlMs (${ttlMs}); ` +
        `otherwise a crashed claim would hold the key until its record expires.`,
    );
  }
  return Object.freeze({ ttlMs, leaseMs });
}

/** A database store's settings and `timeoutMs`: how long it waits for its database before `STORE_UNAVAILABLE` (default 5 s). */
export function resolveDatabaseSettings(storeName: string, input: StoreSettingsInput & { timeoutMs?: unknown }) {
  const settings = resolveStoreSettings(storeName, input);
  return { settings, timeoutMs: positiveInteger(`${storeName} store`, "timeoutMs", input.timeoutMs, 5_000) };
}

/** `purgeExpired`'s `limit`: undefined (all) or a positive whole number. */
export function purgeLimit(storeName: string, limit: unknown): number | undefined {
  return limit === undefined ? undefined : positiveInteger(`${storeName} store`, "purgeExpired limit", limit, 0, "rows");
}

/** `listParked`'s `limit`: undefined (all), 0 (none) or a positive whole number. */
export function listLimit(storeName: string, limit: unknown): number | undefined {
  if (limit === undefined || limit === 0) return limit;
  return positiveInteger(`${storeName} store`, "listParked limit", limit, 0, "deliveries");
}

/** A fresh, unguessable owner token for a claim (Web Crypto: Node >= 19 and every edge runtime). */
export const newOwnerToken = (): string => globalThis.crypto.randomUUID();

/** Wraps a driver failure as `WebhookError("STORE_UNAVAILABLE")`; a `WebhookError` passes through. */
export function storeUnavailable(storeName: string, operation: string, cause: unknown, hint?: string): WebhookError {
  if (cause instanceof WebhookError) return cause;
  const reason = cause instanceof Error ? cause.message || cause.name : String(cause);
  return new WebhookError(
    "STORE_UNAVAILABLE",
    `The ${storeName} idempotency store failed during ${operation}: ${reason}. ` +
      (hint ?? `The delivery was not processed; the sender retries it once the store is reachable.`),
    { cause },
  );
}

/**
 * Runs a store operation, turning any failure into `STORE_UNAVAILABLE` and giving up after
 * `timeoutMs`. An abandoned operation may still land; a late claim is an orphan lease that lapses.
 */
export async function guard<T>(
  storeName: string,
  operation: string,
  timeoutMs: number,
  run: () => Promise<T>,
  hint?: (err: unknown) => string | undefined,
): Promise<T> {
  try {
    // Promise.resolve().then also catches a synchronous throw (a closed client's).
    return await withTimeout(Promise.resolve().then(run), timeoutMs, `no answer within timeoutMs (${timeoutMs} ms)`);
  } catch (err) {
    throw storeUnavailable(storeName, operation, err, hint?.(err));
  }
}

/** An entity position's order as stored: null when there is none or it is not finite (`Date.parse` gave NaN). */
export function orderValue(position: { order: number | undefined } | undefined): number | null {
  const order = position?.order;
  return typeof order === "number" && Number.isFinite(order) ? order : null;
}

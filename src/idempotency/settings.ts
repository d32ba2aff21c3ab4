import type { Logger } from "../util/logger.js";
import { WebhookError } from "../errors/index.js";
import { DEFAULT_LEASE_MS, DEFAULT_TTL_MS, type StoreSettings } from "./store.js";
import { positiveInteger } from "../util/options.js";
import { withTimeout } from "../util/timeout.js";

/**
 * The options every store accepts for its timings and warnings.
 *
 * @example
 * const options: StoreSettingsInput = { ttlMs: 48 * 3600_000, leaseMs: 30_000, logger: console };
 */
export interface StoreSettingsInput {
  /** Milliseconds a record lives (not seconds). Default {@link DEFAULT_TTL_MS}. */
  ttlMs?: number;
  /** Milliseconds a claim stays exclusive (not seconds). Default {@link DEFAULT_LEASE_MS}. */
  leaseMs?: number;
  /** Where a store's warnings go (the memory store's eviction notices). Default: the console. */
  logger?: Logger;
}

/**
 * Resolves `ttlMs` / `leaseMs` to their defaults and rejects impossible values: a
 * `TypeError` for non-integers and a `RangeError` for out-of-range values, at creation,
 * so a misconfigured store never serves a request. Whether the TTL covers a provider's
 * retry span is the handler's concern (it knows the provider); a store never warns about it.
 *
 * @example
 * const settings = resolveStoreSettings("redis", { ttlMs: 3_600_000 });
 * settings.leaseMs; // 60000
 */
export function resolveStoreSettings(storeName: string, input: StoreSettingsInput = {}): StoreSettings {
  const ttlMs = checkPositiveInteger(storeName, "ttlMs", input.ttlMs, DEFAULT_TTL_MS);
  const leaseMs = checkPositiveInteger(storeName, "leaseMs", input.leaseMs, DEFAULT_LEASE_MS);
  if (leaseMs >= ttlMs) {
    throw new RangeError(
      `${storeName} store: leaseMs (${leaseMs}) must be shorter than ttlMs (${ttlMs}); ` +
        `otherwise a crashed claim would hold the key until its record expires.`,
    );
  }
  return Object.freeze({ ttlMs, leaseMs });
}

/**
 * Validates an optional positive-integer option (such as `timeoutMs` or `maxEntries`),
 * returning `fallback` when it is absent.
 *
 * @example
 * checkPositiveInteger("redis", "timeoutMs", undefined, 5_000); // 5000
 * checkPositiveInteger("memory", "maxEntries", 0, 10_000, "entries"); // throws RangeError
 */
export function checkPositiveInteger(
  storeName: string,
  name: string,
  value: unknown,
  fallback: number,
  unit = "milliseconds",
): number {
  return positiveInteger(`${storeName} store`, name, value, fallback, unit);
}

/**
 * How long a store waits for its database before answering `STORE_UNAVAILABLE`, by default.
 *
 * @example
 * createRedisStore({ client, timeoutMs: DEFAULT_STORE_TIMEOUT_MS });
 */
export const DEFAULT_STORE_TIMEOUT_MS = 5_000;

/**
 * Validates a store's `timeoutMs` option, defaulting to {@link DEFAULT_STORE_TIMEOUT_MS}.
 *
 * @example
 * const timeoutMs = resolveTimeout("postgres", options.timeoutMs); // 5000 when absent
 */
export function resolveTimeout(storeName: string, value: unknown): number {
  return checkPositiveInteger(storeName, "timeoutMs", value, DEFAULT_STORE_TIMEOUT_MS);
}

/**
 * Validates an optional table name: letters, digits and underscores, not starting with a
 * digit, at most 63 characters per part; `schema.table` when `qualified` (PostgreSQL).
 * Names are checked here and double-quoted in SQL, so none can inject SQL.
 *
 * @example
 * checkTableName("sqlite", "webhook_keys", false); // ["webhook_keys"]
 */
export function checkTableName(storeName: string, table: unknown, qualified: boolean): string[] {
  const parts = typeof table === "string" ? table.split(".") : [];
  if (parts.length < 1 || parts.length > (qualified ? 2 : 1) || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new TypeError(
      `${storeName} store: table must be an identifier like "agentref_webhook_idempotency"` +
        (qualified ? ` or "schema.table"` : "") +
        ` (letters, digits and underscores, not starting with a digit, at most 63 characters` +
        (qualified ? " each" : "") +
        `); got ${JSON.stringify(table)}.`,
    );
  }
  return parts;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;


/**
 * A fresh, unguessable owner token for a claim.
 *
 * @example
 * const token = newOwnerToken(); // "3b241101-e2bb-4255-8caf-4136c566a962"
 */
export function newOwnerToken(): string {
  // globalThis.crypto exists on Node >= 19 and every edge runtime, so no node:crypto import.
  return globalThis.crypto.randomUUID();
}

/**
 * Wraps a driver failure as `WebhookError("STORE_UNAVAILABLE")`, keeping the
 * original error as `cause`. A `WebhookError` passes through unchanged.
 *
 * @example
 * try { await client.eval(script); }
 * catch (err) { throw storeUnavailable("redis", "claim", err); }
 */
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
 * Runs a store operation, turning any failure into `STORE_UNAVAILABLE` and
 * giving up after `timeoutMs` so a request never hangs on a dead connection.
 * The abandoned operation may still land later; every store tolerates that
 * (a late claim is an orphan lease that lapses after `leaseMs`).
 *
 * @example
 * const reply = await guard("redis", "claim", 5_000, () => client.eval(script));
 */
export async function guard<T>(
  storeName: string,
  operation: string,
  timeoutMs: number,
  run: () => Promise<T>,
  hint?: (err: unknown) => string | undefined,
): Promise<T> {
  try {
    // `run` may throw synchronously (a closed client does); Promise.resolve().then catches that too.
    return await withTimeout(Promise.resolve().then(run), timeoutMs, `no answer within timeoutMs (${timeoutMs} ms)`);
  } catch (err) {
    throw storeUnavailable(storeName, operation, err, hint?.(err));
  }
}

/**
 * Validates `listParked`'s `limit`: undefined (all), 0 (none) or a positive whole number.
 *
 * @example
 * listLimit("redis", 50); // 50
 * listLimit("redis", -1); // throws RangeError
 */
export function listLimit(storeName: string, limit: unknown): number | undefined {
  if (limit === undefined || limit === 0) return limit;
  return checkPositiveInteger(storeName, "listParked limit", limit, 0, "deliveries");
}

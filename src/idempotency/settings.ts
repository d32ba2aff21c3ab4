import { defaultLogger, type Logger } from "../util/logger.js";
import { WebhookError } from "../errors/index.js";
import { DEFAULT_LEASE_MS, DEFAULT_TTL_MS, MIN_SAFE_TTL_MS, type StoreSettings } from "./store.js";

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
  /** Where the short-TTL warning goes. Default: the console. */
  logger?: Logger;
}

const HOUR_MS = 3_600_000;

/**
 * Resolves `ttlMs` / `leaseMs` to their defaults, rejects impossible values, and
 * logs one warning when the TTL is too short to cover AgentRef's retry span.
 * Throws a `TypeError` for non-integers and a `RangeError` for out-of-range values,
 * at creation, so a misconfigured store never serves a request.
 *
 * @example
 * const settings = resolveStoreSettings("redis", { ttlMs: 3_600_000 }); // warns once
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
  if (ttlMs < MIN_SAFE_TTL_MS) {
    (input.logger ?? defaultLogger).warn?.(
      `${storeName} store: ttlMs is ${ttlMs} ms (${(ttlMs / HOUR_MS).toFixed(2)} h), shorter than 47 h. ` +
        `AgentRef retries a delivery for up to ~46.3 h, so a late retry that arrives after its record ` +
        `expired will be processed twice. Use at least ${MIN_SAFE_TTL_MS} ms (the default is ${DEFAULT_TTL_MS}); ` +
        `ttlMs is in milliseconds, not seconds.`,
      { store: storeName, ttlMs, minSafeTtlMs: MIN_SAFE_TTL_MS },
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
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new TypeError(`${storeName} store: ${name} must be a whole number of ${unit}, got ${describe(value)}.`);
  }
  if (value <= 0) {
    throw new RangeError(`${storeName} store: ${name} must be a positive number of ${unit}, got ${value}.`);
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

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
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within timeoutMs (${timeoutMs} ms)`)),
      timeoutMs,
    );
  });
  try {
    // `run` may throw synchronously (a closed client does); Promise.resolve().then catches that too.
    return await Promise.race([Promise.resolve().then(run), timeout]);
  } catch (err) {
    throw storeUnavailable(storeName, operation, err, hint?.(err));
  } finally {
    clearTimeout(timer);
  }
}

// Over 200 lines: one closure implements the whole IdempotencyStore contract (claims, entity
// locks, parking) plus bounded eviction, over maps only it can see.
import { WebhookError } from "../errors/index.js";
import { defaultLogger } from "../util/logger.js";
import { positiveInteger } from "../util/options.js";
import { listLimit, newOwnerToken, resolveStoreSettings, type StoreSettingsInput } from "./settings.js";
import type { ClaimOptions, ClaimResult, EntityPosition, IdempotencyStore, ParkedDelivery } from "./store.js";

/**
 * Options of {@link createMemoryStore}.
 * @example createMemoryStore({ ttlMs: 48 * 3600_000, leaseMs: 60_000, maxEntries: 50_000 });
 */
export interface MemoryStoreOptions extends StoreSettingsInput {
  /** Most records kept at once. Default 10,000. */
  maxEntries?: number;
  /** The clock, in epoch milliseconds. Default `Date.now`; inject one in tests. */
  now?: () => number;
}

/**
 * The in-memory store: an {@link IdempotencyStore} plus its current size.
 * @example
 * const store: MemoryStore = createMemoryStore();
 * store.size; // 0
 */
export interface MemoryStore extends IdempotencyStore {
  /** Records currently held (expired ones included until they are evicted or touched). */
  readonly size: number;
}

interface EntityRecord {
  token: string | undefined;
  leaseExpiresAt: number;
  applied: EntityPosition | undefined;
  expiresAt: number;
}

interface MemoryRecord {
  status: "in-progress" | "completed";
  token: string;
  bodyHash: string;
  leaseExpiresAt: number;
  expiresAt: number;
}

/** Default bound on the number of records of {@link createMemoryStore}. */
export const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * An idempotency store in this process's memory: the default, right for a single instance
 * (several instances need `/redis` or `/postgres`), and it forgets on restart. At most
 * `maxEntries` records: a new key evicts the least recently written records not under a live
 * lease; when every one holds a live lease, `claim` rejects with `STORE_UNAVAILABLE` (503).
 * @example createHandler({ secret, store: createMemoryStore({ maxEntries: 50_000 }), on: {} });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const settings = resolveStoreSettings("memory", options);
  const maxEntries = positiveInteger("memory store", "maxEntries", options.maxEntries, DEFAULT_MAX_ENTRIES, "entries");
  const now = options.now ?? Date.now;
  const logger = options.logger ?? defaultLogger;
  // Map iteration order is insertion order; every write re-inserts, so the first entries
  // are the least recently written and, with one TTL for all, the first to expire.
  const records = new Map<string, MemoryRecord>();
  let warnedFull = false;
  let warnedEarlyEviction = false;
  // Owner tokens only need to be unique within this process: a random prefix and a counter.
  // The prefix is drawn on the first claim: Workers forbid random values at module scope.
  let tokenPrefix: string | undefined;
  let claims = 0;
  const nextToken = (): string => {
    tokenPrefix ??= `${newOwnerToken()}:`;
    return `${tokenPrefix}${++claims}`;
  };

  // Stores `record` as the most recently written.
  const write = (key: string, record: MemoryRecord): void => {
    records.delete(key);
    records.set(key, record);
  };

  // A plain walk in write order (= expiry order, so expired records go first). Each walk steps
  // over the slots V8 keeps for deleted keys until the Map compacts (thousands in a full
  // store: ~5 µs, a few % of a delivery), so one walk frees a thousandth of the store at once.
  const batch = Math.max(1, Math.floor(maxEntries / 1000));
  const evictOldest = (at: number): boolean => {
    let evicted = 0;
    for (const [key, record] of records) {
      if (record.status === "in-progress" && record.leaseExpiresAt > at && record.expiresAt > at) continue;
      records.delete(key);
      warnedFull = false;
      if (record.status === "completed" && record.expiresAt > at && !warnedEarlyEviction) {
        warnedEarlyEviction = true;
        logger.warn?.(
          `memory store: it holds ${maxEntries} records (maxEntries), so it forgot a completed event before ` +
            `its TTL ran out. A late retry of that event would run its handler again. This warning is shown ` +
            `once. Raise maxEntries, or use a durable store (agentref-webhooks/sqlite on one host; ` +
            `/redis or /postgres for several instances), which also remembers events across restarts.`,
          { store: "memory", maxEntries },
        );
      }
      if (++evicted === batch) break;
    }
    return evicted > 0;
  };

  const makeRoom = (at: number): void => {
    if (records.size < maxEntries || evictOldest(at)) return;
    if (!warnedFull) {
      warnedFull = true;
      logger.warn?.(
        `memory store: all ${maxEntries} entries hold live leases; new deliveries get 503 until one ` +
          `completes or its lease lapses. Raise maxEntries above your peak concurrent deliveries.`,
      );
    }
    throw new WebhookError(
      "STORE_UNAVAILABLE",
      `The memory idempotency store is full: all ${maxEntries} entries are deliveries in progress. ` +
        `The sender retries this one; raise maxEntries if this happens under normal load.`,
    );
  };

  const owned = (key: string, token: string, at: number): MemoryRecord | undefined => {
    const record = unexpired(records, key, at);
    return record?.token === token ? record : undefined;
  };

  // Ordering and parking. Entity records expire like event records; parked deliveries are
  // kept until unparked (in memory: until the process ends).
  const entities = new Map<string, EntityRecord>();
  const parked = new Map<string, ParkedDelivery>();

  return {
    settings,
    get size() {
      return records.size;
    },
    // async so that a full store rejects rather than throws synchronously, like the other stores.
    async claim(key, { bodyHash }): Promise<ClaimResult> {
      const at = now();
      const existing = unexpired(records, key, at);
      if (existing !== undefined) {
        if (existing.bodyHash !== bodyHash) return { status: "conflict" };
        if (existing.status === "completed") return { status: "completed" };
        if (existing.leaseExpiresAt > at) return { status: "in-progress", retryAfterMs: existing.leaseExpiresAt - at };
        // The previous owner's lease lapsed: presumed crashed, so this delivery takes over.
      } else {
        makeRoom(at);
      }
      const token = nextToken();
      const leaseExpiresAt = at + settings.leaseMs;
      write(key, { status: "in-progress", token, bodyHash, leaseExpiresAt, expiresAt: at + settings.ttlMs });
      return { status: "claimed", token, leaseExpiresAt };
    },
    async complete(key, token) {
      const at = now();
      const record = owned(key, token, at);
      if (record === undefined) return false;
      // Updated in place (records never leave the store) and moved to the newest position.
      record.status = "completed";
      record.expiresAt = at + settings.ttlMs;
      write(key, record);
      return true;
    },
    async release(key, token) {
      if (owned(key, token, now())?.status !== "in-progress") return false;
      records.delete(key);
      return true;
    },
    async renew(key, token) {
      const at = now();
      const record = owned(key, token, at);
      if (record?.status !== "in-progress") return false;
      record.leaseExpiresAt = at + settings.leaseMs;
      record.expiresAt = at + settings.ttlMs;
      // A renewal is a write: it keeps write order equal to expiry order.
      write(key, record);
      return true;
    },
    async claimEntity(key, position) {
      const at = now();
      const record = unexpired(entities, key, at);
      if (record !== undefined && isStale(record.applied, position)) return { status: "stale" };
      if (record?.token !== undefined && record.leaseExpiresAt > at) return { status: "in-progress", retryAfterMs: record.leaseExpiresAt - at };
      if (record === undefined && entities.size >= maxEntries) evictEntity(entities, at);
      const token = nextToken();
      entities.set(key, { token, leaseExpiresAt: at + settings.leaseMs, applied: record?.applied, expiresAt: at + settings.ttlMs });
      return { status: "claimed", token };
    },
    async renewEntity(key, token) {
      const at = now();
      const record = unexpired(entities, key, at);
      if (record?.token !== token) return false;
      record.leaseExpiresAt = at + settings.leaseMs;
      record.expiresAt = at + settings.ttlMs;
      return true;
    },
    async releaseEntity(key, token, applied) {
      const at = now();
      let record = unexpired(entities, key, at);
      if (applied?.order !== undefined && !(record?.applied?.order !== undefined && record.applied.order > applied.order)) {
        record ??= { token: undefined, leaseExpiresAt: 0, applied: undefined, expiresAt: 0 };
        record.applied = { order: applied.order, eventId: applied.eventId };
        record.expiresAt = at + settings.ttlMs;
        entities.set(key, record);
      }
      if (record?.token !== token) return false;
      record.token = undefined;
      if (record.applied === undefined) entities.delete(key);
      return true;
    },
    async park(delivery) {
      parked.set(delivery.key, { ...delivery });
    },
    async listParked(listOptions = {}) {
      const limit = listLimit("memory", listOptions.limit);
      // Ties by key, as the durable stores order them (byte-wise; keys are ASCII).
      const all = [...parked.values()].sort((a, b) => a.parkedAt - b.parkedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return all.slice(0, limit ?? all.length).map((delivery) => ({ ...delivery }));
    },
    async unpark(key) {
      return parked.delete(key);
    },
  };
}

/** The record under `key`, deleted and undefined once it has expired. */
function unexpired<R extends { expiresAt: number }>(map: Map<string, R>, key: string, at: number): R | undefined {
  const record = map.get(key);
  if (record !== undefined && record.expiresAt <= at) {
    map.delete(key);
    return undefined;
  }
  return record;
}

/** Whether an event at `position` is older than the entity's `applied` event, or is that very event (see `EntityPosition`). */
function isStale(applied: EntityPosition | undefined, position: EntityPosition): boolean {
  if (applied?.order === undefined || position.order === undefined) return false;
  return position.order < applied.order || (position.order === applied.order && position.eventId === applied.eventId);
}

/** Makes room for one entity record: the first that expired or holds no live lock (oldest written first). */
function evictEntity(entities: Map<string, EntityRecord>, at: number): void {
  for (const [key, record] of entities) {
    if (record.expiresAt <= at || record.token === undefined || record.leaseExpiresAt <= at) {
      entities.delete(key);
      return;
    }
  }
}

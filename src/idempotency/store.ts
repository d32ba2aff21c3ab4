/**
 * What `claim` answers: `claimed` (yours until `leaseExpiresAt`; `complete` or `release` it), `in-progress`
 * (another live lease), `completed` (already processed) or `conflict` (same key, another body).
 * @example
 * const result = await store.claim("msg_1", { bodyHash });
 * if (result.status === "claimed") await store.complete("msg_1", result.token);
 */
export type ClaimResult =
  | { status: "claimed"; token: string; leaseExpiresAt: number }
  | { status: "in-progress"; retryAfterMs: number }
  | { status: "completed" }
  | { status: "conflict" };

/**
 * Per-claim input.
 * @example await store.claim("msg_1", { bodyHash: "9f86d0…" });
 */
export interface ClaimOptions {
  /** Fingerprint of the body (SHA-256 hex): the same key with another body is a conflict. */
  bodyHash: string;
}

/**
 * An idempotency-key store shared by every instance that receives deliveries. Expired records
 * count as absent; `complete`, `release` and `renew` act only for the current owner, so a stale
 * owner cannot clobber a newer one. An unreachable store throws `STORE_UNAVAILABLE`.
 * @example
 * const store: IdempotencyStore = createMemoryStore();
 * const claim = await store.claim(event.id, { bodyHash });
 * if (claim.status === "claimed") {
 *   try { await work(); await store.complete(event.id, claim.token); }
 *   catch (err) { await store.release(event.id, claim.token); throw err; }
 * }
 */
export interface IdempotencyStore {
  /** Take the key with a lease, or say why not. One atomic step. */
  claim(key: string, options: ClaimOptions): Promise<ClaimResult>;
  /** Mark the key completed (kept for the TTL). False when `token` no longer owns it. */
  complete(key: string, token: string): Promise<boolean>;
  /** Drop the claim so a retry can run again. False when `token` no longer owns it. */
  release(key: string, token: string): Promise<boolean>;
  /**
   * While the handler runs, extend the lease to now + `leaseMs` (the record to now + `ttlMs`). False when `token`
   * no longer owns it: stop renewing then. A lapsed lease nobody took over is still the owner's.
   */
  renew(key: string, token: string): Promise<boolean>;
  /** The store's settings, for diagnostics. */
  readonly settings: StoreSettings;

  /**
   * Ordering: take an entity's lock for an event, atomically with the order check: `stale` when it applied a newer
   * event or this one ({@link EntityPosition}); `in-progress` while another holds a live lease. Records live `ttlMs`.
   */
  claimEntity?(key: string, position: EntityPosition): Promise<EntityClaimResult>;
  /** Extend the entity lock's lease, as {@link IdempotencyStore.renew} does for a claim. */
  renewEntity?(key: string, token: string): Promise<boolean>;
  /** End the lock `token` holds (false if none); first record `applied` as the latest (never going back, held or not). */
  releaseEntity?(key: string, token: string, applied?: EntityPosition): Promise<boolean>;

  /** Parking: keep a delivery whose last retry failed (by key; again replaces it). Never expires. */
  park?(delivery: ParkedDelivery): Promise<void>;
  /** Parked deliveries, the longest parked first. */
  listParked?(options?: { limit?: number }): Promise<ParkedDelivery[]>;
  /** Forget a parked delivery (after its replay). False when it was not parked. */
  unpark?(key: string): Promise<boolean>;
}

/**
 * An event's place in the order of its entity. Stale when the entity applied a larger `order`,
 * or the same `order` and `eventId` (this event again). Ties are applied one at a time; an
 * event without an order takes the lock but is never stale and moves nothing.
 * @example await store.claimEntity("agentref@mer_1@payout:po_1", { order: Date.parse(event.createdAt), eventId: event.id });
 */
export interface EntityPosition {
  /** Larger is newer (AgentRef: the envelope's `createdAt`, in epoch ms). */
  order: number | undefined;
  eventId: string;
}

/**
 * What `claimEntity` answers.
 * @example
 * const result = await store.claimEntity(key, { order: 1767225600000, eventId: "msg_1" });
 * if (result.status === "stale") return; // a newer event of this entity was applied
 */
export type EntityClaimResult =
  | { status: "claimed"; token: string }
  | { status: "in-progress"; retryAfterMs: number }
  | { status: "stale" };

/**
 * A verified delivery kept after its handler failed on the last retry (`parking`).
 * `replayParked` signs `body` afresh and delivers it again.
 * @example for (const parked of await listParked({ store })) console.log(parked.type, parked.eventId, parked.reason);
 */
export interface ParkedDelivery {
  /** The event's idempotency key (`<provider>@<tenant>@<id>`). */
  key: string;
  provider: string;
  eventId: string;
  type: string;
  /** The verified body, exactly as received. */
  body: string;
  /** When it was parked (epoch ms). */
  parkedAt: number;
  /** Why its handler failed, as the error's message. */
  reason: string;
}

/**
 * Settings every store shares.
 * @example createMemoryStore({ ttlMs: 48 * 3600_000, leaseMs: 60_000 });
 */
export interface StoreSettings {
  /** How long a completed record is kept. Default {@link DEFAULT_TTL_MS} (48 h). */
  ttlMs: number;
  /** How long a claim may stay in progress before another delivery may take it over. Default 60 s. */
  leaseMs: number;
}

/** The default record lifetime of every store: 48 h (AgentRef retries for ~46.3 h). */
export const DEFAULT_TTL_MS = 48 * 60 * 60 * 1000;
/** Default lease: a handler that neither completes nor releases within it is presumed crashed. */
export const DEFAULT_LEASE_MS = 60 * 1000;

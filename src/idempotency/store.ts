/**
 * What `claim` answers.
 * - `claimed`: you own the key until `leaseExpiresAt`; call `complete` or `release` with `token`.
 * - `in-progress`: someone else holds a live lease (answer 409, the sender retries later).
 * - `completed`: already processed (answer 200, do nothing).
 * - `conflict`: the key exists with a different body hash (`ID_CONFLICT`).
 *
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
 *
 * @example
 * await store.claim("msg_1", { bodyHash: "9f86d0…" });
 */
export interface ClaimOptions {
  /** Fingerprint of the body (SHA-256 hex): the same key with another body is a conflict. */
  bodyHash: string;
}

/**
 * An idempotency-key store shared by every instance that receives deliveries.
 * Records hold a status (`in-progress` | `completed`), an owner token, a lease
 * expiry and the body hash. Expired records count as absent; `complete`, `release`
 * and `renew` act only for the current owner (compare-and-set / compare-and-delete),
 * so a stale owner whose lease lapsed cannot clobber a newer one.
 * A store that cannot be reached throws a `WebhookError` with code `STORE_UNAVAILABLE`.
 *
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
   * Extend the lease of an in-progress claim to now + `leaseMs` (and its record to now +
   * `ttlMs`), so a retry that arrives meanwhile still gets `in-progress`. Call it while the
   * handler runs, well within `leaseMs`. False when `token` no longer owns an in-progress
   * record (completed, released, expired, or taken over after its lease lapsed): stop
   * renewing then. A lapsed lease that nobody took over is still the owner's and renews.
   */
  renew(key: string, token: string): Promise<boolean>;
  /** The store's settings, for diagnostics. */
  readonly settings: StoreSettings;

  /**
   * Ordering (`createHandler({ ordering: true })`): take the lock of one entity (a payout,
   * an affiliate) for an event, in one atomic step with the order check. `stale` when the
   * entity has already applied a newer event, or this very event ({@link EntityPosition});
   * `in-progress` while another event of the entity holds a live lease. Records live
   * `ttlMs` after their last write. Every built-in store implements it.
   */
  claimEntity?(key: string, position: EntityPosition): Promise<EntityClaimResult>;
  /** Extend the entity lock's lease, as {@link IdempotencyStore.renew} does for a claim. */
  renewEntity?(key: string, token: string): Promise<boolean>;
  /**
   * End the entity lock `token` holds (false when it no longer holds it). With `applied`,
   * first record that event as the entity's latest; the applied position never goes back,
   * and it is recorded even when the lock was lost.
   */
  releaseEntity?(key: string, token: string, applied?: EntityPosition): Promise<boolean>;

  /**
   * Parking (`createHandler({ parking: true })`): keep a delivery whose last retry failed,
   * until it is replayed. Keyed by the idempotency key: parking it again replaces it.
   * Parked deliveries do not expire.
   */
  park?(delivery: ParkedDelivery): Promise<void>;
  /** Parked deliveries, the longest parked first. */
  listParked?(options?: { limit?: number }): Promise<ParkedDelivery[]>;
  /** Forget a parked delivery (after its replay). False when it was not parked. */
  unpark?(key: string): Promise<boolean>;
}

/**
 * An event's place in the order of its entity. An event is stale when the entity has
 * applied an event with a larger `order`, or with the same `order` and the same `eventId`
 * (this very event: its handler ran, and it was not marked completed). Events with equal
 * `order` and different ids (ties) are all applied, one at a time, in arrival order. An
 * event without an order (undefined) takes the lock but is never stale and moves nothing.
 *
 * @example
 * await store.claimEntity("agentref@mer_1@payout:po_1", { order: Date.parse(event.createdAt), eventId: event.id });
 */
export interface EntityPosition {
  /** Larger is newer (AgentRef: the envelope's `createdAt`, in epoch ms). */
  order: number | undefined;
  eventId: string;
}

/**
 * What `claimEntity` answers.
 *
 * @example
 * const result = await store.claimEntity(key, { order: 1767225600000, eventId: "msg_1" });
 * if (result.status === "stale") return; // a newer event of this entity was applied
 */
export type EntityClaimResult =
  | { status: "claimed"; token: string }
  | { status: "in-progress"; retryAfterMs: number }
  | { status: "stale" };

/**
 * A verified delivery kept after its handler failed on the provider's last retry
 * (`parking`). `replayParked` signs `body` afresh and delivers it again.
 *
 * @example
 * for (const parked of await listParked({ store })) console.log(parked.type, parked.eventId, parked.reason);
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
 *
 * @example
 * createMemoryStore({ ttlMs: 48 * 3600_000, leaseMs: 60_000 });
 */
export interface StoreSettings {
  /** How long a completed record is kept. Default {@link DEFAULT_TTL_MS} (48 h). */
  ttlMs: number;
  /** How long a claim may stay in progress before another delivery may take it over. Default 60 s. */
  leaseMs: number;
}

/**
 * The default record lifetime of every store: 48 h. Generic: the handler compares the TTL
 * with its provider's retry span (AgentRef: ~46.3 h plus tolerance) and warns when it is shorter.
 *
 * @example
 * createRedisStore({ client, ttlMs: DEFAULT_TTL_MS });
 */
export const DEFAULT_TTL_MS = 48 * 60 * 60 * 1000;
/**
 * The shortest TTL that still covers AgentRef's whole retry span plus tolerance (47 h).
 *
 * @example
 * if (ttlMs < MIN_SAFE_TTL_MS) console.warn("late retries would run twice");
 */
export const MIN_SAFE_TTL_MS = 47 * 60 * 60 * 1000;
/**
 * Default lease: a handler that neither completes nor releases within it is presumed crashed.
 *
 * @example
 * createRedisStore({ client, leaseMs: DEFAULT_LEASE_MS });
 */
export const DEFAULT_LEASE_MS = 60 * 1000;

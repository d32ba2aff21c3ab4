import { idempotencyKey } from "../idempotency/key.js";
import type { EntityPosition, IdempotencyStore } from "../idempotency/store.js";
import type { AnyOrderingRules, AnyProvider } from "../provider/define-provider.js";
import type { Decoded } from "./decode.js";

/**
 * The entity an event concerns and its place in the entity's order (ordering on).
 *
 * @example
 * const entity: EntityOf = { key: "agentref@mer_1@payout:po_1", position: { order: 1767225600000, eventId: "msg_1" } };
 */
export interface EntityOf {
  /** `<provider>@<tenant>@<entity>`, escaped like an idempotency key. */
  key: string;
  position: EntityPosition;
}

/** What `createHandler`'s `ordering` option takes. */
export type OrderingOption = boolean | AnyOrderingRules | undefined;

const STORE_METHODS = ["claimEntity", "renewEntity", "releaseEntity"] as const;
const PARKING_METHODS = ["park", "listParked", "unpark"] as const;

/**
 * The ordering step's lookup: given a decoded event and its tenant, the entity it concerns,
 * or undefined when it is not ordered (ordering off, a type without an entity, an unknown
 * type). Throws a `TypeError` at creation when the provider has no rules or the store
 * does not implement ordering.
 *
 * @example
 * const entityOf = createOrdering(agentref, true, store);
 * await entityOf?.(decoded, "mer_1"); // { key: "agentref@mer_1@payout:po_1", position }
 */
export function createOrdering(provider: AnyProvider, option: OrderingOption, store: IdempotencyStore) {
  if (!option) return undefined;
  const rules = option === true ? provider.ordering : option;
  if (!rules) {
    throw new TypeError(`createHandler: ordering: true needs ordering rules, and the provider "${provider.name}" declares none. Pass ordering: { entities, order }, or declare them in defineProvider.`,
    );
  }
  requireMethods(store, STORE_METHODS, "ordering");
  return async (decoded: Decoded, tenant: string | undefined): Promise<EntityOf | undefined> => {
    if (!decoded.known) return undefined;
    const entity = rules.entities[decoded.type]?.(decoded.event as never);
    if (entity === undefined) return undefined;
    const order = rules.order(decoded.event as never);
    return {
      key: await idempotencyKey({ provider: provider.name, tenant, id: entity }),
      position: { order: Number.isFinite(order) ? order : undefined, eventId: decoded.eventId },
    };
  };
}

/** What `createHandler`'s `parking` option takes. */
export type ParkingOption = boolean | { afterMs?: number } | undefined;

/**
 * The parking step's test: whether the provider will deliver this event again if this
 * attempt fails. An event is on its last attempt once its age (now minus its own
 * timestamp, AgentRef's `createdAt`) has passed the midpoint between the schedule's last
 * two attempts (AgentRef: ~34.4 h), or `afterMs` when given. Events without a readable
 * timestamp are never parked by the schedule. Undefined when parking is off.
 *
 * @example
 * const lastAttempt = createParking(agentref, true, store);
 * lastAttempt?.(decoded, Date.now()); // true 35 h after createdAt
 */
export function createParking(provider: AnyProvider, option: ParkingOption, store: IdempotencyStore) {
  if (!option) return undefined;
  requireMethods(store, PARKING_METHODS, "parking");
  const afterMs = option === true ? undefined : option.afterMs;
  if (afterMs !== undefined && !(Number.isFinite(afterMs) && afterMs >= 0)) {
    throw new TypeError(`createHandler: parking.afterMs must be a number of milliseconds >= 0, got ${String(afterMs)}.`);
  }
  const threshold = afterMs ?? lastAttemptAgeMs(provider.retrySchedule);
  const key = provider.envelope.timestampKey;
  return (decoded: Decoded, now: number): boolean => {
    const at = key === undefined ? Number.NaN : Date.parse(String(decoded.raw[key]));
    return Number.isFinite(at) && now - at >= threshold;
  };
}

/**
 * The age from which an attempt is the schedule's last: halfway between the last two
 * attempts (0 for a schedule of one attempt: every failure is final).
 *
 * @example
 * lastAttemptAgeMs(agentrefRetrySchedule) / 3_600_000; // ≈ 34.35
 */
export function lastAttemptAgeMs(schedule: readonly number[]): number {
  const total = schedule.reduce((sum, delay) => sum + delay, 0);
  const last = schedule.length > 1 ? schedule[schedule.length - 1]! : 0;
  return total - last / 2;
}

function requireMethods(store: IdempotencyStore, methods: readonly (keyof IdempotencyStore)[], option: string): void {
  const missing = methods.filter((method) => typeof store[method] !== "function");
  if (missing.length > 0) {
    throw new TypeError(`createHandler: ${option} needs a store that implements ${missing.join(", ")}. Every built-in store does; add them to your custom store (see docs/ordering-and-parking.md).`,
    );
  }
}

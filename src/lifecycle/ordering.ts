import { idempotencyKey } from "../idempotency/key.js";
import type { EntityPosition, IdempotencyStore } from "../idempotency/store.js";
import type { AnyOrderingRules, AnyProvider } from "../provider/define-provider.js";
import type { Decoded } from "./decode.js";

/** The entity an event concerns and its place in the entity's order (ordering on). */
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
 * The ordering step's lookup: the entity a decoded event concerns, or undefined when it
 * is not ordered. Throws a `TypeError` when there are no rules or the store lacks ordering.
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
 * The parking step's test: whether this is the sender's last attempt, i.e. the event's
 * age (from its own timestamp) is past `afterMs` or the midpoint between the schedule's
 * last two attempts (AgentRef: ~34.4 h). Events without a timestamp are never parked.
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

/** The age from which an attempt is the schedule's last: halfway between the last two (0 for one attempt). */
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

import { idempotencyKey } from "../idempotency/key.js";
import type { EntityPosition, IdempotencyStore } from "../idempotency/store.js";
import type { AnyOrderingRules, AnyProvider } from "../provider/define-provider.js";
import { requireMethods } from "../util/options.js";
import type { Decoded } from "./decode.js";

/** The entity an event concerns and its place in the entity's order (ordering on). */
export interface EntityOf {
  /** `<provider>@<tenant>@<entity>`, escaped like an idempotency key. */
  key: string;
  position: EntityPosition;
}

/** What `createHandler`'s `ordering` option takes. */
export type OrderingOption = boolean | AnyOrderingRules | undefined;

/** The ordering step's lookup: the entity a decoded event concerns, or undefined when it is not ordered. */
export function createOrdering(provider: AnyProvider, option: OrderingOption, store: IdempotencyStore) {
  if (!option) return undefined;
  const rules = option === true ? provider.ordering : option;
  if (!rules) {
    throw new TypeError(`createHandler: ordering: true needs ordering rules, and the provider "${provider.name}" declares none. Pass ordering: { entities, order }, or declare them in defineProvider.`);
  }
  requireMethods("createHandler", "ordering needs", store, ["claimEntity", "renewEntity", "releaseEntity"]);
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
 * The parking step's test: whether this is the sender's last attempt, i.e. the event's age is past `afterMs` or
 * the midpoint between the schedule's last two attempts (AgentRef: ~34.4 h). Events without a timestamp never are.
 */
export function createParking(provider: AnyProvider, option: ParkingOption, store: IdempotencyStore) {
  if (!option) return undefined;
  requireMethods("createHandler", "parking needs", store, ["park", "listParked", "unpark"]);
  const afterMs = option === true ? undefined : option.afterMs;
  if (afterMs !== undefined && !(Number.isFinite(afterMs) && afterMs >= 0)) {
    throw new TypeError(`createHandler: parking.afterMs must be a number of milliseconds >= 0, got ${String(afterMs)}.`);
  }
  const schedule = provider.retrySchedule;
  const last = schedule.length > 1 ? schedule[schedule.length - 1]! : 0;
  const threshold = afterMs ?? schedule.reduce((sum, delay) => sum + delay, 0) - last / 2;
  const key = provider.envelope.timestampKey;
  return (decoded: Decoded, now: number): boolean => {
    const at = key === undefined ? Number.NaN : Date.parse(String(decoded.raw[key]));
    return Number.isFinite(at) && now - at >= threshold;
  };
}

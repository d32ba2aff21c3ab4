import type { z } from "zod";
import type { SignatureScheme } from "../verify/scheme.js";
import { DEFAULT_TOLERANCE_SECONDS } from "../verify/timestamp.js";
import { lazyRecord, toStrict } from "./schema-kit.js";

/**
 * Event schemas keyed by event type, each validating a whole event (envelope and data).
 * @example const events = { "order.paid": z.object({ id: z.string(), type: z.literal("order.paid"), data: z.object({}) }) };
 */
export type EventSchemaMap = { readonly [type: string]: z.ZodType };

/**
 * Where a provider's envelope keeps its id, type and timestamp, and the schema every
 * delivery shares (used for event types not in the catalog).
 * @example
 * const envelope: EnvelopeSpec = { schema: z.looseObject({ id: z.string(), event: z.string() }), idKey: "id", typeKey: "event" };
 */
export interface EnvelopeSpec {
  /** The envelope shared by every event of the provider. */
  schema: z.ZodType;
  /** The field holding the event id (the idempotency key); else the signed delivery id is used. */
  idKey?: string;
  /** The field holding the event type (`type` for AgentRef, `event` for Agiled). */
  typeKey: string;
  /** The field holding the event's own timestamp, if any. */
  timestampKey?: string;
  /** The field naming the tenant (AgentRef's `merchantId`), which scopes idempotency keys. */
  scopeKey?: string;
  /** Checks run before schema validation, e.g. an unsupported schema version (throw a `WebhookError`). */
  check?: (raw: Record<string, unknown>) => void;
}

/**
 * What `defineProvider` takes.
 * @example defineProvider({ name: "acme", scheme: standardWebhooksScheme, envelope, events });
 */
export interface ProviderDefinition<Name extends string, Events extends EventSchemaMap> {
  name: Name;
  scheme: SignatureScheme;
  envelope: EnvelopeSpec;
  events: Events;
  /** Strict variants; derived from `events` by default (unknown fields and enum values rejected). */
  strictEvents?: { [K in keyof Events]?: z.ZodType };
  /** Delay in ms before each delivery attempt, the first being 0 (the safe record TTL derives from it). */
  retrySchedule?: readonly number[];
  /** How long the sender waits for an answer before it counts a timeout (ms). Default 30 s. `ctx.signal` aborts then. */
  timeoutMs?: number;
  /** The signature timestamp tolerance in seconds, both directions. Default 300. */
  toleranceSeconds?: number;
  /** Documented example payloads, used as `createTestEvent` defaults. */
  samples?: { [K in keyof Events]?: z.input<Events[K]> };
  /** Which entity each event type concerns and how events are ordered, for `createHandler({ ordering: true })`. */
  ordering?: OrderingRules<NoInfer<Events>>;
}

/**
 * Ordering rules of any provider, as the lifecycle holds them.
 * @example const rules: AnyOrderingRules | undefined = provider.ordering;
 */
export interface AnyOrderingRules {
  readonly entities: { readonly [type: string]: ((event: never) => string | undefined) | undefined };
  readonly order: (event: never) => number | undefined;
}

/**
 * How events of one entity (a payout, an affiliate) are ordered, for `createHandler({ ordering })`.
 * @example
 * const rules: OrderingRules<typeof acme.events> = {
 *   entities: { "order.paid": (event) => `order:${event.data.orderId}` },
 *   order: (event) => Date.parse(event.createdAt),
 * };
 */
export interface OrderingRules<Events extends EventSchemaMap = EventSchemaMap> {
  /** Per event type, the entity an event concerns (e.g. `payout:po_1`); undefined: not ordered. */
  entities: { [K in keyof Events]?: (event: z.output<Events[K]>) => string | undefined };
  /**
   * The event's order key: larger is newer (e.g. creation time in epoch ms). Ties are applied
   * in arrival order; undefined waits for the lock but is never stale.
   */
  order: (event: z.output<Events[keyof Events]>) => number | undefined;
}

/**
 * A webhook sender described for this SDK: its signature scheme, envelope and event catalog.
 * AgentRef's is the default everywhere.
 * @example agentref.types; // ["program.created", …, "flag.resolved"]
 */
export interface Provider<Name extends string = string, Events extends EventSchemaMap = EventSchemaMap>
  extends Readonly<Required<Omit<ProviderDefinition<Name, Events>, "strictEvents" | "samples" | "ordering">>> {
  readonly strictEvents: { readonly [K in keyof Events]: z.ZodType };
  readonly samples: { readonly [K in keyof Events]?: z.input<Events[K]> };
  /** The provider's ordering rules, if it declares them. */
  readonly ordering: AnyOrderingRules | undefined;
  /** Every event type in the catalog. */
  readonly types: readonly (keyof Events & string)[];
  /** True when `type` is in the catalog (own keys only: `constructor` is not an event). */
  has(type: string): type is keyof Events & string;
}

/**
 * Any provider, whatever its events.
 * @example function describe(p: AnyProvider) { return `${p.name}: ${p.types.length} events`; }
 */
export type AnyProvider = Provider<string, EventSchemaMap>;

/**
 * The event type names of a provider.
 * @example type AgiledTypes = EventTypeOf<typeof agiled>; // "contact.created" | …
 */
export type EventTypeOf<P extends AnyProvider> = keyof P["events"] & string;

/**
 * The parsed event of one type of a provider.
 * @example type Paid = ProviderEventOf<typeof agiled, "invoice.paid">;
 */
export type ProviderEventOf<P extends AnyProvider, T extends EventTypeOf<P>> = z.output<P["events"][T]>;

/**
 * The union of every parsed event of a provider.
 * @example function route(event: ProviderEvent<typeof agiled>) {}
 */
export type ProviderEvent<P extends AnyProvider> = { [T in EventTypeOf<P>]: ProviderEventOf<P, T> }[EventTypeOf<P>];

/**
 * Describes a webhook sender so that the whole SDK works with it: a `SignatureScheme`, where
 * the envelope keeps id / type / timestamp, and event schemas (handler keys are inferred from them).
 * @example
 * import { z } from "zod";
 * import { defineProvider, standardWebhooksScheme } from "agentref-webhooks";
 *
 * const envelope = z.looseObject({ id: z.string(), type: z.string(), data: z.looseObject({}) });
 * export const acme = defineProvider({
 *   name: "acme",
 *   scheme: standardWebhooksScheme,
 *   envelope: { schema: envelope, idKey: "id", typeKey: "type" },
 *   events: {
 *     "order.paid": envelope.extend({ type: z.literal("order.paid"), data: z.looseObject({ total: z.number() }) }),
 *   },
 * });
 */
export function defineProvider<const Name extends string, const Events extends EventSchemaMap>(
  definition: ProviderDefinition<Name, Events>,
): Provider<Name, Events> {
  const { events } = definition;
  const types = Object.keys(events) as (keyof Events & string)[];
  // Derived on first use (strict parsing is for tests): importing a provider builds no strict schema.
  const strictEvents = lazyRecord(types, (type) => definition.strictEvents?.[type] ?? toStrict(events[type] as z.ZodType)) as {
    [K in keyof Events]: z.ZodType;
  };
  return Object.freeze({
    ...definition,
    strictEvents,
    retrySchedule: definition.retrySchedule ?? [0],
    timeoutMs: definition.timeoutMs ?? 30_000,
    toleranceSeconds: definition.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    samples: definition.samples ?? {},
    ordering: definition.ordering,
    types,
    has: (type: string): type is keyof Events & string => Object.hasOwn(events, type),
  });
}

/**
 * How long after its first attempt an event may still arrive (retry schedule + tolerance +
 * one timeout). An idempotency record must outlive it, or a late retry runs again.
 */
export function retryWindowMs(provider: AnyProvider): number {
  const span = provider.retrySchedule.reduce((total, delay) => total + delay, 0);
  return span + provider.toleranceSeconds * 1000 + provider.timeoutMs;
}

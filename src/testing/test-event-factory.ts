import type { z } from "zod";
import type { AnyProvider, EventTypeOf, ProviderEventOf } from "../provider/define-provider.js";
import { WebhookPayloadError } from "../errors/index.js";
import type { EventOf, EventType } from "../events/catalog.js";
import { describeIssues, toPayloadIssues } from "../provider/parse.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";
import { deepMerge, type DeepPartial } from "./deep-partial.js";
import { createIdSequence, type TestEventFactoryOptions } from "./id-sequence.js";
import { sampleFromSchema, SchemaSampleError } from "./schema-sample.js";

/**
 * Per-call options of `createTestEvent`.
 * @example createTestEvent("invoice.paid", { data: { total: 10 } }, { provider: agiled });
 */
export interface CreateTestEventOptions<P extends AnyProvider = AgentRefProvider> {
  /** Whose event to build. Default: AgentRef. */
  provider?: P | undefined;
  /** Validate with the strict schema (unknown fields and enum values rejected). Default false. */
  strict?: boolean | undefined;
}

/**
 * The signature of `createTestEvent` (the default instance and every factory's).
 * @example const make: CreateTestEvent = createTestEventFactory({ seed: 1 }).createTestEvent;
 */
export interface CreateTestEvent {
  // The provider overload first: TypeScript reports a failed call against the last overload (AgentRef's).
  <P extends AnyProvider, T extends EventTypeOf<P>>(
    type: T,
    overrides: DeepPartial<ProviderEventOf<P, T>> | undefined,
    options: CreateTestEventOptions<P> & { provider: P },
  ): ProviderEventOf<P, T>;
  <T extends EventType>(type: T, overrides?: DeepPartial<EventOf<T>>, options?: CreateTestEventOptions<AgentRefProvider>): EventOf<T>;
}

/**
 * A test event generator with its own id sequence.
 * @example
 * const events = createTestEventFactory({ seed: "refunds" });
 * beforeEach(() => events.reset());
 * const event = events.createTestEvent("conversion.refunded");
 */
export interface TestEventFactory {
  createTestEvent: CreateTestEvent;
  /** Starts the id and `createdAt` sequence over. */
  reset(): void;
}

// Walks `data` (not the envelope) and moves timestamps that equal the sample's
// envelope timestamp to the new one: `failedAt` stays equal to `createdAt`.
function restamp(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((item) => restamp(item, from, to));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restamp(v, from, to)]));
  }
  return value;
}

// The documented sample, else one built from the schema; `hint` says what overrides must supply then.
function baseEvent(provider: AnyProvider, type: string): { base: Record<string, unknown>; hint: string } {
  const sample = provider.samples[type];
  if (sample !== undefined) return { base: deepMerge(sample, undefined) as Record<string, unknown>, hint: "" };
  const hint = (why: string) => ` The ${provider.name} provider has no documented sample of "${type}"${why}: pass these fields in overrides.`;
  try {
    return { base: sampleFromSchema(provider.events[type] as z.ZodType) as Record<string, unknown>, hint: hint("") };
  } catch (err) {
    if (!(err instanceof SchemaSampleError)) throw err;
    return { base: {}, hint: hint(` and its schema could not be filled in automatically (${err.message})`) };
  }
}

/**
 * Creates a `createTestEvent` with its own, seedable id and timestamp sequence. Without a
 * documented sample, a minimal event is built from the schema; what it cannot invent,
 * `overrides` must supply.
 * @example
 * import { createTestEventFactory } from "agentref-webhooks/testing";
 * const { createTestEvent } = createTestEventFactory({ seed: 7, now: new Date("2026-05-01T00:00:00Z") });
 * createTestEvent("payout.failed").id; // the same on every run, different from seed 8
 */
export function createTestEventFactory(factoryOptions: TestEventFactoryOptions = {}): TestEventFactory {
  const sequence = createIdSequence(factoryOptions);

  function createTestEvent(type: string, overrides?: unknown, options: CreateTestEventOptions<AnyProvider> = {}): unknown {
    const provider: AnyProvider = options.provider ?? agentref;
    if (typeof type !== "string" || !provider.has(type)) {
      throw new TypeError(`createTestEvent: ${JSON.stringify(type)} is not an event type of ${provider.name} (known: ${provider.types.join(", ")}).`);
    }
    if (overrides !== undefined && (typeof overrides !== "object" || overrides === null || Array.isArray(overrides))) {
      throw new TypeError(`createTestEvent("${type}"): overrides must be an object (a deep-partial event), got ${Array.isArray(overrides) ? "an array" : typeof overrides}.`);
    }
    const { base, hint } = baseEvent(provider, type);
    const { idKey, typeKey, timestampKey } = provider.envelope;
    const stamp = sequence.next();
    // A provider whose envelope has no id field is keyed by the delivery id header instead.
    if (idKey !== undefined) base[idKey] = stamp.id;
    base[typeKey] = type;
    if (timestampKey !== undefined) {
      const previous = base[timestampKey];
      const createdAt = typeof previous === "number" ? Math.floor(stamp.createdAt / 1000) : new Date(stamp.createdAt).toISOString();
      base[timestampKey] = createdAt;
      if (typeof previous === "string" && "data" in base) base.data = restamp(base.data, previous, createdAt as string);
    }
    const schema = (options.strict ? provider.strictEvents[type] : provider.events[type]) as z.ZodType;
    const result = schema.safeParse(deepMerge(base, overrides));
    if (!result.success) {
      const issues = toPayloadIssues(result.error);
      throw new WebhookPayloadError("INVALID_PAYLOAD", `createTestEvent("${type}"): the event is invalid at ${describeIssues(issues)}.${hint}`, { issues });
    }
    return result.data;
  }

  return { createTestEvent: createTestEvent as CreateTestEvent, reset: () => sequence.reset() };
}

const defaultFactory = createTestEventFactory();

/**
 * A valid, typed event of one type, with defaults from the documented examples. Deterministic:
 * ids count up from `msg_test_0001`, `createdAt` from 2026-04-01T12:00:00Z, one second apart.
 * `overrides` is a deep partial (objects merge, arrays replace, `undefined` removes); an
 * invalid result throws `INVALID_PAYLOAD` naming the path.
 * @example
 * import { createTestEvent } from "agentref-webhooks/testing";
 *
 * const event = createTestEvent("conversion.created", { data: { amount: 4900, commissionAmount: 1470 } });
 * event.data.amount; // 4900, typed as ConversionCreatedEvent
 */
export const createTestEvent: CreateTestEvent = defaultFactory.createTestEvent;

/**
 * Restarts the default `createTestEvent` sequence (ids from `msg_test_0001` again).
 * @example beforeEach(() => resetTestEvents());
 */
export function resetTestEvents(): void {
  defaultFactory.reset();
}

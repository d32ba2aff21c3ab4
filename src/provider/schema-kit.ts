import { z } from "zod";

// Lenient schemas are what deliveries are parsed with (forward compatible: unknown
// fields kept, unknown enum values accepted). Each lenient building block that has a
// stricter counterpart registers it here, so the strict catalog is derived from the
// lenient one instead of being written twice. A counterpart may be registered as a
// function: it is then built the first time a strict schema needs it, so importing
// the package builds only the lenient catalog (zod schemas are costly to construct).
const strictCounterparts = new WeakMap<z.ZodType, z.ZodType | (() => z.ZodType)>();

function strictCounterpart(schema: z.ZodType): z.ZodType | undefined {
  const registered = strictCounterparts.get(schema);
  if (typeof registered !== "function") return registered;
  const built = registered();
  strictCounterparts.set(schema, built);
  return built;
}

/**
 * A string enum that autocompletes its known values but, in lenient mode, also
 * accepts values AgentRef may add later. The strict variant accepts only `values`.
 *
 * @example
 * const status = openEnum(["active", "paused", "archived"]);
 * type Status = z.output<typeof status>; // "active" | "paused" | "archived" | (string & {})
 */
export function openEnum<const T extends readonly [string, ...string[]]>(
  values: T,
): z.ZodType<T[number] | (string & {})> {
  const closed = z.enum(values);
  const open = z.union([closed, z.string()]);
  strictCounterparts.set(open, closed);
  return open as unknown as z.ZodType<T[number] | (string & {})>;
}

/**
 * A schema whose strict variant is `strict` (for checks the docs imply but that a
 * live delivery should not be rejected for, e.g. ISO 8601 formats). Pass a function
 * to build the strict variant only when a strict schema is first derived.
 */
export function lenientOr<L extends z.ZodType>(lenient: L, strict: z.ZodType | (() => z.ZodType)): L {
  strictCounterparts.set(lenient, strict);
  return lenient;
}

/**
 * An ISO 8601 date-time string (strict mode checks the format).
 */
export const isoDateTime = () => lenientOr(z.string(), () => z.iso.datetime({ offset: true }));

/**
 * An amount in integer minor units (cents).
 */
export const minorUnits = () => lenientOr(z.number(), () => z.number().int());

/**
 * A lowercase ISO 4217 currency code, e.g. `usd`.
 */
export const currencyCode = () => lenientOr(z.string(), () => z.string().regex(/^[a-z]{3}$/));

/**
 * An object that keeps fields it does not know (lenient); `toStrict` rejects them.
 *
 * @example
 * const data = openObject({ id: z.string() });
 */
export function openObject<S extends z.ZodRawShape>(shape: S) {
  return z.looseObject(shape);
}

/**
 * `T` without its string and number index signatures, at every depth: the fields a
 * schema knows. Lenient objects keep unknown fields at run time (forward
 * compatible), but a field the schema does not know is, in code, a typo to report,
 * not an `unknown` to read: `event.data.comissionAmount` does not compile.
 */
export type KnownFields<T> = T extends Primitive
  ? T // before the object case: an open enum's `string & {}` counts as an object there
  : T extends readonly unknown[]
    ? { [K in keyof T]: KnownFields<T[K]> }
    : T extends object
      ? { [K in keyof T as string extends K ? never : number extends K ? never : K]: KnownFields<T[K]> }
      : T;

type Primitive = string | number | boolean | bigint | symbol | null | undefined;

/**
 * The fields of the event `S` parses to, `data` given as its own (named) type. Write
 * `interface XEvent extends EventFields<typeof x, XData> {}` so that hovers and
 * errors say `XEvent` and `XData` instead of their expanded structure.
 */
export type EventFields<S extends z.ZodType, Data> = Omit<KnownFields<z.output<S>>, "data"> & { data: Data };

/**
 * A lenient event schema typed by its named event interface: it parses (and keeps
 * unknown fields) exactly as the schema `S` it is made from, and `z.output` of it is
 * `E`, so every type derived from a catalog of such schemas (`EventOf`, the handler
 * map, `createTestEvent`) names `E`. Its input type stays `S`'s (open).
 */
export type NamedEventSchema<S extends z.ZodType, E> = z.ZodType<E, z.input<S>>;

/**
 * Derives the strict variant of a lenient schema: objects reject unknown keys,
 * open enums reject unknown values, registered counterparts replace their lenient
 * forms. The static type stays the lenient one (strictness is a run-time check).
 */
export function toStrict<T extends z.ZodType>(schema: T): T {
  return strictOf(schema) as T;
}

function strictOf(schema: z.ZodType): z.ZodType {
  const registered = strictCounterpart(schema);
  if (registered) return registered;
  const def = (schema as unknown as { def: { type: string } }).def;
  switch (def.type) {
    case "object": {
      const shape = (schema as z.ZodObject).shape;
      return z.strictObject(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, strictOf(v as z.ZodType)])));
    }
    case "optional":
      return strictOf((schema as z.ZodOptional<z.ZodType>).unwrap()).optional();
    case "array":
      return z.array(strictOf((schema as z.ZodArray<z.ZodType>).element));
    case "union":
      return z.union((schema as z.ZodUnion<z.ZodType[]>).options.map(strictOf) as [z.ZodType, z.ZodType]);
    default:
      return schema;
  }
}

/**
 * A record whose values are built on first access, then kept (a plain data property
 * from then on). Keys are enumerable from the start, so `Object.keys` and `in` work
 * without building anything.
 */
export function lazyRecord<K extends string, V>(keys: readonly K[], build: (key: K) => V): Record<K, V> {
  const record = {} as Record<K, V>;
  for (const key of keys) {
    Object.defineProperty(record, key, {
      enumerable: true,
      configurable: true,
      get() {
        const value = build(key);
        Object.defineProperty(record, key, { value, enumerable: true, writable: false, configurable: false });
        return value;
      },
    });
  }
  return record;
}

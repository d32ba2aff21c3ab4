import { z } from "zod";

// Deliveries are parsed with lenient schemas (unknown fields and enum values accepted). A lenient
// building block registers its strict counterpart here, so the strict catalog is derived, not
// written twice. A counterpart given as a function is built on first use: zod schemas are costly.
const strictCounterparts = new WeakMap<z.ZodType, z.ZodType | (() => z.ZodType)>();

/**
 * A string enum that autocompletes its known values but, in lenient mode, also accepts values
 * added later. The strict variant accepts only `values`.
 * @example
 * const status = openEnum(["active", "paused", "archived"]);
 * type Status = z.output<typeof status>; // "active" | "paused" | "archived" | (string & {})
 */
export function openEnum<const T extends readonly [string, ...string[]]>(
  values: T,
): z.ZodType<T[number] | (string & {})> {
  const closed = z.enum(values);
  return lenientOr(z.union([closed, z.string()]), closed) as unknown as z.ZodType<T[number] | (string & {})>;
}

/** A schema whose strict variant is `strict` (a check a live delivery should not fail, e.g. ISO 8601). */
export function lenientOr<L extends z.ZodType>(lenient: L, strict: z.ZodType | (() => z.ZodType)): L {
  strictCounterparts.set(lenient, strict);
  return lenient;
}

/** An ISO 8601 date-time string (strict mode checks the format). */
export const isoDateTime = () => lenientOr(z.string(), () => z.iso.datetime({ offset: true }));

/** An amount in integer minor units (cents). */
export const minorUnits = () => lenientOr(z.number(), () => z.number().int());

/** A lowercase ISO 4217 currency code, e.g. `usd`. */
export const currencyCode = () => lenientOr(z.string(), () => z.string().regex(/^[a-z]{3}$/));

/**
 * An object that keeps fields it does not know (lenient); `toStrict` rejects them.
 * @example const data = openObject({ id: z.string() });
 */
export function openObject<S extends z.ZodRawShape>(shape: S) {
  return z.looseObject(shape);
}

type OpenEvents<Env extends z.ZodObject, K extends string, Names extends readonly string[]> = {
  [T in Names[number]]: z.ZodObject<Omit<Env["shape"], K> & { [P in K]: z.ZodLiteral<T> }, z.core.$loose>;
};

/** One schema per event name from a shared envelope, its type field fixed, `data` left open (undocumented payloads). */
export function openEvents<Env extends z.ZodObject, K extends string, const Names extends readonly string[]>(
  envelope: Env,
  typeKey: K,
  names: Names,
): OpenEvents<Env, K, Names> {
  return Object.fromEntries(
    names.map((name) => [name, z.looseObject({ ...envelope.shape, [typeKey]: z.literal(name) })]),
  ) as OpenEvents<Env, K, Names>;
}

/**
 * `T` without index signatures, at every depth: lenient objects keep unknown fields at run time,
 * but in code an unknown field is a typo (`event.data.comissionAmount` does not compile).
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
 * The fields of the event `S` parses to, with `data` as its own named type, so that hovers say
 * `XEvent` and `XData`: `interface XEvent extends EventFields<typeof x, XData> {}`.
 */
export type EventFields<S extends z.ZodType, Data> = Omit<KnownFields<z.output<S>>, "data"> & { data: Data };

/** A lenient event schema that parses as `S` but whose output type is the named interface `E`. */
export type NamedEventSchema<S extends z.ZodType, E> = z.ZodType<E, z.input<S>>;

/**
 * Derives the strict variant of a lenient schema: unknown keys and enum values rejected,
 * registered counterparts used. The static type stays the lenient one.
 */
export const toStrict = strictOf as <T extends z.ZodType>(schema: T) => T;

function strictOf(schema: z.ZodType): z.ZodType {
  let registered = strictCounterparts.get(schema);
  if (typeof registered === "function") strictCounterparts.set(schema, (registered = registered()));
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

/** A record whose values are built on first access, then kept; its keys are enumerable from the start. */
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

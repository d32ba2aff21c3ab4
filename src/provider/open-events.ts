import { z } from "zod";

type OpenEventSchema<Env extends z.ZodObject, K extends string, T extends string> = z.ZodObject<
  Omit<Env["shape"], K> & { [P in K]: z.ZodLiteral<T> },
  z.core.$loose
>;

/**
 * Builds one schema per event name from a shared envelope, each with its type field
 * fixed to the name. For providers whose payloads are not documented: `data` stays
 * whatever the envelope says (an open object), nothing is invented. Give `typed`
 * schemas for the events whose payloads are documented.
 */
export function openEvents<Env extends z.ZodObject, K extends string, const Names extends readonly string[]>(
  envelope: Env,
  typeKey: K,
  names: Names,
): { [T in Names[number]]: OpenEventSchema<Env, K, T> } {
  return Object.fromEntries(
    names.map((name) => [name, z.looseObject({ ...envelope.shape, [typeKey]: z.literal(name) })]),
  ) as { [T in Names[number]]: OpenEventSchema<Env, K, T> };
}

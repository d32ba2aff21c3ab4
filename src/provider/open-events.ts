import { z } from "zod";

type OpenEventSchema<Env extends z.ZodObject, K extends string, T extends string> = z.ZodObject<
  Omit<Env["shape"], K> & { [P in K]: z.ZodLiteral<T> },
  z.core.$loose
>;

/** One schema per event name from a shared envelope, its type field fixed, `data` left open (undocumented payloads). */
export function openEvents<Env extends z.ZodObject, K extends string, const Names extends readonly string[]>(
  envelope: Env,
  typeKey: K,
  names: Names,
): { [T in Names[number]]: OpenEventSchema<Env, K, T> } {
  return Object.fromEntries(
    names.map((name) => [name, z.looseObject({ ...envelope.shape, [typeKey]: z.literal(name) })]),
  ) as { [T in Names[number]]: OpenEventSchema<Env, K, T> };
}

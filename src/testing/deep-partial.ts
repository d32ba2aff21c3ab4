/**
 * A deep-partial event, for `createTestEvent` overrides: every field optional at every depth,
 * arrays replaced whole, and `undefined` removes a field.
 * @example
 * import type { DeepPartial, ConversionCreatedEvent } from "agentref-webhooks/testing";
 * const overrides: DeepPartial<ConversionCreatedEvent> = { data: { amount: 4900 } };
 */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
      : T;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/** Merges `overrides` into a copy of `base`: plain objects merge, other values replace, `undefined` deletes. */
export function deepMerge(base: unknown, overrides: unknown): unknown {
  if (overrides === undefined) return clone(base);
  if (!isPlainObject(overrides) || !isPlainObject(base)) return clone(overrides);
  const out: Record<string, unknown> = clone(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    // JSON.parse (CLI --data) yields "__proto__" as an own key; assigning it would swap the prototype.
    if (key === "__proto__") continue;
    if (value === undefined) delete out[key];
    else out[key] = deepMerge(out[key], value);
  }
  return out;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clone(item)]));
  return value;
}

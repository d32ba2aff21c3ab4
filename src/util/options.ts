/** An optional positive whole-number option, or `fallback`; a bad one throws at creation, naming who got it. */
export function positiveInteger(who: string, name: string, value: unknown, fallback: number, unit = "milliseconds"): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new TypeError(`${who}: ${name} must be a whole number of ${unit}, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}.`);
  }
  if (value <= 0) throw new RangeError(`${who}: ${name} must be a positive number of ${unit}, got ${value}.`);
  return value;
}

/** Throws a `TypeError` naming the optional store methods (ordering, parking) that `store` lacks. */
export function requireMethods(who: string, need: string, store: object | undefined, methods: readonly string[]): void {
  const missing = methods.filter((method) => typeof (store as Record<string, unknown> | undefined)?.[method] !== "function");
  if (missing.length > 0) {
    throw new TypeError(
      `${who}: ${need} a store that implements ${missing.join(", ")}. Every built-in store does; ` +
        "add them to your custom store (see docs/ordering-and-parking.md).",
    );
  }
}

/** An optional positive whole-number option, or `fallback`; a bad one throws at creation, naming who got it. */
export function positiveInteger(who: string, name: string, value: unknown, fallback: number, unit = "milliseconds"): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new TypeError(`${who}: ${name} must be a whole number of ${unit}, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}.`);
  }
  if (value <= 0) throw new RangeError(`${who}: ${name} must be a positive number of ${unit}, got ${value}.`);
  return value;
}

/**
 * Request headers in any of the shapes frameworks hand out: a Web `Headers`
 * (fetch, Next.js, Hono, workers), Node's `IncomingHttpHeaders` (Express,
 * Fastify, node:http: lowercase keys, `string | string[]` values), or a plain
 * record with keys in any letter case.
 *
 * @example
 * const fromFetch: HeadersInput = request.headers;
 * const fromNode: HeadersInput = req.headers;
 * const literal: HeadersInput = { "Svix-Id": "msg_1", "svix-timestamp": "1614265330", "svix-signature": "v1,…" };
 */
export type HeadersInput =
  | Headers
  | { readonly get: (name: string) => string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/**
 * Reads one header by name, case-insensitively. Several lines of the same header
 * come back joined with ", " (what `Headers.get` does), whatever the input shape.
 *
 * @example
 * const get = toHeaderGetter(req.headers);
 * get("svix-id"); // "msg_1" or undefined
 */
export type HeaderGetter = (name: string) => string | undefined;

function normalize(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const lines = value.filter((v): v is string => typeof v === "string");
    return lines.length === 0 ? undefined : lines.join(", ");
  }
  if (typeof value === "number") return String(value);
  return undefined;
}

function indexByLowercase(record: Readonly<Record<string, unknown>>): Map<string, string> {
  const index = new Map<string, string>();
  for (const key of Object.keys(record)) {
    const value = normalize(record[key]);
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    const previous = index.get(lower);
    index.set(lower, previous === undefined ? value : `${previous}, ${value}`);
  }
  return index;
}

/**
 * Turns any `HeadersInput` into a case-insensitive getter.
 *
 * For a plain record the lowercase key is read directly (Node's
 * `IncomingHttpHeaders` is all lowercase, so this is one property read); only when
 * it is absent are the keys scanned case-insensitively, and several keys that
 * differ only in case (`Svix-Id` and `SVIX-ID`) are then joined like duplicate
 * header lines. A value that is neither a string, a string array nor a number
 * counts as absent.
 *
 * @example
 * const get = toHeaderGetter({ "Svix-Id": "msg_1", "svix-signature": ["v1,a", "v1,b"] });
 * get("svix-id");        // "msg_1"
 * get("svix-signature"); // "v1,a, v1,b"
 */
export function toHeaderGetter(headers: HeadersInput | null | undefined): HeaderGetter {
  if (headers === null || typeof headers !== "object") return () => undefined;
  const maybeGet = (headers as { get?: unknown }).get;
  if (typeof maybeGet === "function") {
    return (name) => {
      try {
        return normalize(maybeGet.call(headers, name.toLowerCase()));
      } catch {
        // A hostile or broken Headers-like object must not turn into an untyped error.
        return undefined;
      }
    };
  }
  const record = headers as Readonly<Record<string, unknown>>;
  let index: Map<string, string> | undefined;
  return (name) => {
    const lower = name.toLowerCase();
    const direct = normalize(record[lower]);
    if (direct !== undefined) return direct;
    index ??= indexByLowercase(record);
    return index.get(lower);
  };
}

/**
 * Reads one header from any `HeadersInput` (see `toHeaderGetter` for the rules).
 *
 * @example
 * getHeader(request.headers, "Svix-Id"); // "msg_1"
 */
export function getHeader(headers: HeadersInput | null | undefined, name: string): string | undefined {
  return toHeaderGetter(headers)(name);
}

/**
 * A header that came as several lines with different values.
 *
 * @example
 * if (singleValue(joined) === CONFLICTING) throw new Error("ambiguous");
 */
export const CONFLICTING = Symbol("conflicting header lines");

/**
 * The single value of a header that must appear once (an id, a timestamp).
 * Duplicate lines arrive joined with ", ": identical copies collapse into one
 * value, differing copies are `CONFLICTING` (the caller rejects the delivery).
 *
 * @example
 * singleValue("msg_1, msg_1"); // "msg_1"
 * singleValue("msg_1, msg_2"); // CONFLICTING
 */
export function singleValue(joined: string): string | typeof CONFLICTING {
  if (!joined.includes(", ")) return joined;
  const [first, ...rest] = joined.split(", ");
  return rest.every((v) => v === first) ? first! : CONFLICTING;
}

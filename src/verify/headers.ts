import { WebhookVerificationError } from "../errors/index.js";

/**
 * Request headers as frameworks hand them out: a Web `Headers`, Node's
 * `IncomingHttpHeaders`, or a plain record with keys in any letter case.
 * @example const headers: HeadersInput = { "Svix-Id": "msg_1", "svix-timestamp": "1614265330", "svix-signature": "v1,…" };
 */
export type HeadersInput =
  | Headers
  | { readonly get: (name: string) => string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** Reads one header case-insensitively; several lines come back joined with ", " (as `Headers.get` does). */
export type HeaderGetter = (name: string) => string | undefined;

function normalize(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (!Array.isArray(value)) return undefined;
  const lines = value.filter((v): v is string => typeof v === "string");
  return lines.length === 0 ? undefined : lines.join(", ");
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
 * Turns any `HeadersInput` into a case-insensitive getter. A record's lowercase key is
 * read first (Node's are all lowercase); otherwise keys differing only in case are joined.
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
 * The value of a header that must appear once: identical duplicate lines collapse, differing
 * ones are rejected with `code`.
 */
export function singleValue(joined: string, header: string, code: WebhookVerificationError["code"], consequence = ""): string {
  const [first, ...rest] = joined.split(", ");
  if (rest.every((value) => value === first)) return first!;
  const message = `The ${header} header appears several times with different values${consequence}.`;
  throw new WebhookVerificationError(code, `${message} Send it once (a proxy may be adding a copy).`);
}

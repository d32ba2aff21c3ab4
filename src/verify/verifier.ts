import { platformCrypto } from "#crypto";
import { WebhookVerificationError } from "../errors/index.js";
import { bodyText, signableBody, type RawBody } from "./body.js";
import { equalConstantTime } from "./constant-time.js";
import type { HmacKey, PlatformCrypto } from "./crypto-types.js";
import { singleValue, toHeaderGetter, type HeaderGetter, type HeadersInput } from "./headers.js";
import type { SignatureScheme } from "./scheme.js";
import { secretList, type SecretInput } from "./secret.js";
import { standardWebhooksScheme } from "./standard-webhooks.js";
import { checkTolerance, nowSeconds, parseTimestamp, toleranceSeconds } from "./timestamp.js";

/**
 * A delivery whose signature and timestamp checked out.
 * @example const { id, timestamp, body }: VerifiedDelivery = await verifier.verify({ body, headers });
 */
export interface VerifiedDelivery {
  /** The message id from the id header (the idempotency key). */
  id: string;
  /** The signed timestamp, Unix seconds. */
  timestamp: number;
  /** The verified body as text (bytes decoded as UTF-8), exactly what was signed. */
  body: string;
}

/**
 * One request to verify.
 * @example const input: VerifyInput = { body: await request.text(), headers: request.headers };
 */
export interface VerifyInput {
  /** The raw body: a string or bytes, never a parsed object. */
  body: RawBody;
  headers: HeadersInput;
  /** The clock, for tests: a `Date` or epoch **milliseconds**. Defaults to `Date.now()`. */
  now?: Date | number | undefined;
}

/**
 * What `createVerifier` takes.
 * @example const options: VerifierOptions = { secret: [newSecret, oldSecret], tolerance: 300 };
 */
export interface VerifierOptions {
  /** The signing secret, or several during a rotation (any may match). */
  secret: SecretInput;
  /** Accepted clock difference in seconds, both directions. Default 300. */
  tolerance?: number | undefined;
  /** The provider's signing scheme. Default `standardWebhooksScheme` (AgentRef, Svix). */
  scheme?: SignatureScheme | undefined;
}

/**
 * Verifies deliveries for one set of secrets. Create it once, at module scope.
 * @example const delivery = await verifier.verify({ body: await request.text(), headers: request.headers });
 */
export interface Verifier {
  /** Resolves with the verified delivery, or rejects with a `WebhookVerificationError` (`INVALID_JSON`: signed, not UTF-8). */
  verify(input: VerifyInput): Promise<VerifiedDelivery>;
  readonly scheme: SignatureScheme;
  /** The tolerance in seconds. */
  readonly tolerance: number;
}

/** A longer signature header (in characters) is `INVALID_SIGNATURE` before any parsing or HMAC work. */
export const MAX_SIGNATURE_HEADER_LENGTH = 16 * 1024;

function readHeaders(scheme: SignatureScheme, get: HeaderGetter) {
  let fewestMissing: string[] | undefined;
  for (const family of scheme.headerFamilies) {
    const id = get(family.id);
    const timestamp = get(family.timestamp);
    const signature = get(family.signature);
    // An empty header counts as absent, as in the reference implementation.
    if (id && timestamp && signature) return { family, id, timestamp, signature };
    const missing = [id ? "" : family.id, timestamp ? "" : family.timestamp, signature ? "" : family.signature].filter(Boolean);
    if (!fewestMissing || missing.length < fewestMissing.length) fewestMissing = missing;
  }
  const expected = scheme.headerFamilies.map((f) => `${f.id}, ${f.timestamp} and ${f.signature}`).join(", or ");
  throw new WebhookVerificationError(
    "MISSING_HEADERS",
    `Missing ${(fewestMissing ?? []).join(", ")}: a signed delivery carries ${expected}. The request is not from the provider, or a proxy strips these headers; pass the original request headers.`,
  );
}

const badSignature = (scheme: SignatureScheme, why: string): WebhookVerificationError =>
  new WebhookVerificationError(
    "INVALID_SIGNATURE",
    `${why} Check that the secret belongs to this endpoint (${scheme.name}), that the body is passed exactly as received (not re-serialized JSON), and during a rotation pass both secrets.`,
  );

/**
 * Creates a verifier; the secrets are decoded now, so a bad one fails at startup.
 *
 * - Headers: the first of the scheme's families with all three present (`svix-*` first).
 *   Duplicate id or timestamp lines must agree; duplicate signature lines are merged.
 * - The timestamp is checked before any HMAC work; a signature header over 16 KiB or 32
 *   entries is rejected unread.
 * - One HMAC per secret, compared in constant time with every candidate.
 * @throws WebhookConfigError `INVALID_SECRET` for an unusable secret; `RangeError` for a negative tolerance.
 * @example const verifier = createVerifier({ secret: [process.env.NEW_SECRET!, process.env.OLD_SECRET!] });
 */
export function createVerifier(options: VerifierOptions): Verifier {
  return createVerifierWith(platformCrypto, options);
}

/** `createVerifier` on an explicit crypto implementation (the benchmark runs WebCrypto under Node). */
export function createVerifierWith(crypto: PlatformCrypto, options: VerifierOptions): Verifier {
  const scheme = options.scheme ?? standardWebhooksScheme;
  const tolerance = toleranceSeconds(options.tolerance);
  const rawKeys = secretList(options.secret).map((secret) => scheme.decodeSecret(secret));
  const encoding = scheme.encoding;
  // What precedes a digest in a header entry ("v1," for Standard Webhooks).
  const entryPrefix = scheme.formatSignatures([""]);

  // Imported on first use (WebCrypto imports are async), then kept.
  let keys: readonly HmacKey[] | undefined;
  let importing: Promise<readonly HmacKey[]> | undefined;
  const loadKeys = (): Promise<readonly HmacKey[]> =>
    (importing ??= Promise.all(rawKeys.map((raw) => crypto.importHmacKey(raw))).then(
      (imported) => (keys = imported),
      (err: unknown) => {
        importing = undefined;
        throw err;
      },
    ));

  async function verify(input: VerifyInput): Promise<VerifiedDelivery> {
    if (typeof input !== "object" || input === null) {
      throw new TypeError("verifier.verify expects { body, headers, now? }");
    }
    const body = signableBody(input.body);
    const values = readHeaders(scheme, toHeaderGetter(input.headers));
    const { family } = values;
    const id = singleValue(values.id, family.id, "MISSING_HEADERS", ", so the delivery id is ambiguous");
    const timestampText = singleValue(values.timestamp, family.timestamp, "INVALID_TIMESTAMP");
    const timestamp = parseTimestamp(timestampText, family.timestamp);
    checkTolerance(timestamp, nowSeconds(input.now), tolerance, family.timestamp);

    const header = values.signature;
    if (header.length > MAX_SIGNATURE_HEADER_LENGTH) {
      throw badSignature(scheme, `The ${family.signature} header is ${header.length} characters long (limit ${MAX_SIGNATURE_HEADER_LENGTH}); it was rejected unread.`);
    }
    const candidates = scheme.parseSignatures(header);
    if (candidates.length === 0) {
      throw badSignature(scheme, `The ${family.signature} header holds no signature in the expected format for ${scheme.name}.`);
    }
    const parts = [scheme.signedPrefix(id, timestampText), body] as const;
    for (const key of keys ?? (await loadKeys())) {
      // node:crypto answers with the digest itself: awaited only when it is a promise (WebCrypto).
      const pending = crypto.hmacSha256(key, parts, encoding);
      const digest = typeof pending === "string" ? pending : await pending;
      // Every candidate is compared, so timing does not reveal which one matched.
      if (candidates.reduce((found, candidate) => equalConstantTime(candidate, entryPrefix, digest) || found, false)) {
        return { id, timestamp, body: bodyText(body) };
      }
    }
    throw badSignature(scheme, `No signature in the ${family.signature} header matches.`);
  }

  return Object.freeze({ scheme, tolerance, verify });
}

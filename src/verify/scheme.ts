import { platformCrypto } from "#crypto";
import { WebhookVerificationError } from "../errors/index.js";
import type { DigestEncoding } from "./crypto-types.js";
import { decodeRawSecret, secretList, type SecretInput } from "./secret.js";

/**
 * The three header names one signing convention uses (matched case-insensitively).
 * @example const svix: HeaderFamily = { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" };
 */
export interface HeaderFamily {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
}

/**
 * What `scheme.sign` takes: the delivery and the secret(s) (several give several signatures).
 * @example const input: SignInput = { id: "msg_1", timestamp: 1614265330, body: '{"a":1}', secret: "whsec_…" };
 */
export interface SignInput {
  /** The message id (the idempotency key). */
  id: string;
  /** Unix **seconds** (or a `Date`); defaults to now. */
  timestamp?: number | Date | undefined;
  /** The exact body that will be sent. */
  body: string | Uint8Array;
  secret: SecretInput;
  /** Which header names to write; defaults to the scheme's `signingHeaders`. */
  headers?: HeaderFamily | undefined;
}

/**
 * Headers produced by `scheme.sign`, keyed by lowercase header name.
 * @example const headers: SignedHeaders = { "svix-id": "msg_1", "svix-timestamp": "1614265330", "svix-signature": "v1,…" };
 */
export type SignedHeaders = Record<string, string>;

/**
 * How one provider signs deliveries with HMAC-SHA256: its headers, the signed bytes
 * (`signedPrefix(id, timestamp)` then the raw body), the digest format and the secret
 * decoding. The verifier owns the rest (timestamps, tolerance, bounds, constant-time
 * comparison). Build one with `createHmacScheme`.
 * @example const headers = await standardWebhooksScheme.sign({ id: "msg_1", body: "{}", secret });
 */
export interface SignatureScheme {
  /** A short name for messages and caches, e.g. "standard-webhooks". */
  readonly name: string;
  /** Header families in order of preference: the first one whose three headers are all present is read. */
  readonly headerFamilies: readonly HeaderFamily[];
  /** The family `sign` writes by default. */
  readonly signingHeaders: HeaderFamily;
  /** How a digest is written in the signature header. */
  readonly encoding: DigestEncoding;
  /** Secret text to HMAC key bytes; throws `INVALID_SECRET`. Called once per secret when a verifier is created. */
  decodeSecret(secret: string): Uint8Array;
  /** The text signed before the body. `timestamp` is the header text (canonical Unix seconds). */
  signedPrefix(id: string, timestamp: string): string;
  /**
   * The entries of a signature header that could match, as `formatSignatures` writes one
   * (e.g. "v1,<base64>"). Must do bounded work and throw only `WebhookVerificationError`.
   */
  parseSignatures(header: string): string[];
  /** A signature header listing these encoded digests (`formatSignatures([""])` is the entry prefix). */
  formatSignatures(digests: readonly string[]): string;
  /** Signs a delivery: the id, timestamp and signature headers to send with `body`. */
  sign(input: SignInput): Promise<SignedHeaders>;
}

/**
 * What `createHmacScheme` takes.
 * @example
 * const options: HmacSchemeOptions = { name: "acme", headerFamilies: [acmeHeaders], signedPrefix: (id, ts) => `${id}.${ts}.`, encoding: "hex" };
 */
export interface HmacSchemeOptions extends Pick<SignatureScheme, "name" | "encoding" | "signedPrefix"> {
  /** Read in order; the first family with all three headers present wins. */
  headerFamilies: readonly [HeaderFamily, ...HeaderFamily[]];
  /** The family `sign` writes; defaults to the first of `headerFamilies`. */
  signingHeaders?: HeaderFamily | undefined;
  /** Text before each digest in the header, e.g. "v1,". Entries without it are skipped. Default "". */
  signaturePrefix?: string | undefined;
  /** Secret text to key bytes. Default: the UTF-8 bytes, at least 16 of them. */
  decodeSecret?: ((secret: string) => Uint8Array) | undefined;
  /** A header with more entries than this is rejected without any HMAC work. Default 32 (rotation needs two or three). */
  maxSignatures?: number | undefined;
}

const DIGEST_LENGTH: Record<DigestEncoding, number> = { base64: 44, base64url: 43, hex: 64 };

const lowercase = ({ id, timestamp, signature }: HeaderFamily): HeaderFamily =>
  Object.freeze({ id: id.toLowerCase(), timestamp: timestamp.toLowerCase(), signature: signature.toLowerCase() });

function timestampText(timestamp: number | Date | undefined): string {
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : (timestamp ?? Math.floor(Date.now() / 1000));
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError(`timestamp must be whole Unix seconds >= 0 (or a Date), got ${String(timestamp)}`);
  }
  return String(seconds);
}

/**
 * Builds a `SignatureScheme` for any HMAC-SHA256 convention. Signature header entries are
 * separated by spaces (duplicate header lines, joined with ", ", too).
 * @example
 * createHmacScheme({ name: "acme", headerFamilies: [acmeHeaders], signedPrefix: (id, ts) => `${id}.${ts}.`, encoding: "hex" });
 */
export function createHmacScheme(options: HmacSchemeOptions): SignatureScheme {
  const headerFamilies = Object.freeze(options.headerFamilies.map(lowercase));
  if (headerFamilies.length === 0) throw new TypeError("createHmacScheme: headerFamilies must not be empty");
  const signingHeaders = options.signingHeaders ? lowercase(options.signingHeaders) : headerFamilies[0]!;
  const { encoding, signedPrefix } = options;
  const entryPrefix = options.signaturePrefix ?? "";
  const decodeSecret = options.decodeSecret ?? ((secret: string) => decodeRawSecret(secret));
  const maxSignatures = options.maxSignatures ?? 32;
  const entryLength = entryPrefix.length + DIGEST_LENGTH[encoding];
  const caseless = encoding === "hex";

  const formatSignatures = (digests: readonly string[]): string => digests.map((d) => entryPrefix + d).join(" ");

  return Object.freeze({
    name: options.name,
    headerFamilies,
    signingHeaders,
    encoding,
    decodeSecret,
    signedPrefix,
    parseSignatures(header: string): string[] {
      const candidates: string[] = [];
      let entries = 0;
      let start = 0;
      // An indexOf walk instead of split(): a hostile header is abandoned as soon as
      // it exceeds the entry cap, without materializing every entry.
      while (start <= header.length) {
        let end = header.indexOf(" ", start);
        if (end === -1) end = header.length;
        if (end > start) {
          if (++entries > maxSignatures) {
            throw new WebhookVerificationError(
              "INVALID_SIGNATURE",
              `The signature header lists more than ${maxSignatures} signatures; it was rejected without checking any. A sender lists one per active secret.`,
            );
          }
          // Duplicate header lines arrive joined with ", ": the comma ends the entry.
          const stop = header.charCodeAt(end - 1) === 44 /* , */ ? end - 1 : end;
          if (stop - start === entryLength && header.startsWith(entryPrefix, start)) {
            // For a one-entry header slice() returns the same flat string, which compares faster.
            const entry = header.slice(start, stop);
            candidates.push(caseless ? entryPrefix + entry.slice(entryPrefix.length).toLowerCase() : entry);
          }
        }
        start = end + 1;
      }
      return candidates;
    },
    formatSignatures,
    async sign(input: SignInput): Promise<SignedHeaders> {
      const family = input.headers ? lowercase(input.headers) : signingHeaders;
      const timestamp = timestampText(input.timestamp);
      const keys = secretList(input.secret).map(decodeSecret);
      const parts = [signedPrefix(input.id, timestamp), input.body];
      const digests = await Promise.all(
        keys.map(async (raw) => platformCrypto.hmacSha256(await platformCrypto.importHmacKey(raw), parts, encoding)),
      );
      return { [family.id]: input.id, [family.timestamp]: timestamp, [family.signature]: formatSignatures(digests) };
    },
  });
}

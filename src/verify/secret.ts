import { WebhookConfigError } from "../errors/index.js";
import { decodeBase64, utf8Bytes, type Base64Problem } from "./encoding.js";

/**
 * One signing secret, or several during a rotation (any of them verifies).
 * @example const rotating: SecretInput = [process.env.NEW_SECRET!, process.env.OLD_SECRET!];
 */
export type SecretInput = string | readonly string[];

/** Keys shorter than this are rejected: a real HMAC secret has at least 128 bits. */
const MIN_SECRET_BYTES = 16;

const STANDARD_PREFIX = "whsec_";
// Prefixes of other webhook key kinds (ed25519 `whpk_`/`whsk_`) and typos of `whsec_`:
// such a string is not a bare key, even when the rest happens to decode.
const KNOWN_FOREIGN_PREFIX = /^(wh[ps]k|hwsec|wsec|whsecret|whsce|wshec)_/i;
// A looser pattern, used only to explain a secret that does not decode: a bare
// base64url key may itself start with letters and `_` (e.g. `wHAA_…`).
const FOREIGN_PREFIX = /^(wh[a-z]*|[a-z]*sec)_/i;

function foreignPrefix(prefix: string): WebhookConfigError {
  const shown = prefix.length <= 9 ? `"${prefix}"` : "an unknown prefix";
  const hint = /^wh[ps]k_$/i.test(prefix) ? " That is an asymmetric (ed25519) key, which this scheme does not use." : "";
  return invalid(`The webhook secret starts with ${shown}, not "whsec_".${hint} Copy the endpoint's signing secret, which starts with "whsec_".`);
}

const invalid = (message: string): WebhookConfigError => new WebhookConfigError("INVALID_SECRET", message);

const base64Hints: Record<Base64Problem, string> = {
  empty: "the key after the prefix is empty",
  character: "it contains a character that is not base64 or base64url",
  "mixed-alphabets": "it mixes the base64 (+ /) and base64url (- _) alphabets",
  length: "its length is not a valid base64 length (truncated when copied?)",
  padding: "its '=' padding is malformed",
};

function checkText(secret: unknown): string {
  if (typeof secret !== "string") {
    const got = secret === null ? "null" : typeof secret;
    throw invalid(`The webhook secret must be a string, got ${got}. Pass the endpoint's signing secret (e.g. process.env.AGENTREF_WEBHOOK_SECRET).`);
  }
  if (secret.length === 0) {
    throw invalid("The webhook secret is empty. Is the environment variable set? Copy the endpoint's signing secret from the provider's dashboard.");
  }
  if (secret.trim() !== secret) {
    throw invalid("The webhook secret has leading or trailing whitespace (a trailing newline from a .env file or a copy?). Remove it; whitespace is never part of a secret.");
  }
  return secret;
}

/**
 * Decodes a Standard Webhooks / Svix secret: `whsec_` (or nothing) then the key in base64
 * or base64url, padded or not. No upper bound on its length, like `standardwebhooks`.
 * @throws WebhookConfigError `INVALID_SECRET` when empty, padded with whitespace, not
 *   base64, shorter than 16 bytes, or carrying another prefix (`whpk_`, `hwsec_`…).
 */
export function decodeStandardWebhooksSecret(secret: string): Uint8Array {
  const text = checkText(secret);
  const key = text.startsWith(STANDARD_PREFIX) ? text.slice(STANDARD_PREFIX.length) : text;
  const known = key === text ? KNOWN_FOREIGN_PREFIX.exec(text) : null;
  if (known) throw foreignPrefix(known[0]);
  const decoded = decodeBase64(key);
  if (typeof decoded === "string") {
    const foreign = key === text ? FOREIGN_PREFIX.exec(text) : null;
    if (foreign) throw foreignPrefix(foreign[0]);
    throw invalid(`The webhook secret could not be decoded: ${base64Hints[decoded]}. Expected "whsec_" followed by a base64 key; copy the secret again from the dashboard.`);
  }
  if (decoded.byteLength < MIN_SECRET_BYTES) {
    throw invalid(`The webhook secret decodes to ${decoded.byteLength} bytes; at least ${MIN_SECRET_BYTES} are expected. It looks truncated: copy the whole secret again.`);
  }
  return decoded;
}

/**
 * Decodes a secret used as given: its UTF-8 bytes are the key (providers that document no encoding).
 * @throws WebhookConfigError `INVALID_SECRET` when empty, padded with whitespace, or shorter than `minBytes`.
 */
export function decodeRawSecret(secret: string, minBytes: number = MIN_SECRET_BYTES): Uint8Array {
  const key = utf8Bytes(checkText(secret));
  if (key.byteLength < minBytes) {
    throw invalid(`The webhook secret is ${key.byteLength} bytes long; at least ${minBytes} are expected. It looks truncated: copy the whole secret again.`);
  }
  return key;
}

/**
 * The list of secrets in a `SecretInput` (one, or several during a rotation).
 * @throws WebhookConfigError `INVALID_SECRET` for an empty list or a non-string entry.
 */
export function secretList(input: SecretInput): readonly string[] {
  if (typeof input === "string") return [input];
  if (!Array.isArray(input)) {
    throw invalid(`The webhook secret must be a string or an array of strings (during a rotation), got ${input === null ? "null" : typeof input}.`);
  }
  if (input.length === 0) {
    throw invalid("The list of webhook secrets is empty. Pass at least one signing secret.");
  }
  return input;
}

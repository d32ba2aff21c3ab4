import type { HeadersInput } from "./headers.js";
import type { RawBody } from "./body.js";
import type { SignatureScheme } from "./scheme.js";
import type { SecretInput } from "./secret.js";
import { standardWebhooksScheme } from "./standard-webhooks.js";
import { DEFAULT_TOLERANCE_SECONDS, toleranceSeconds } from "./timestamp.js";
import { createVerifier, type VerifiedDelivery, type Verifier } from "./verifier.js";

/**
 * What `verifyWebhook` takes: the request (body and headers) and the configuration.
 *
 * @example
 * const input: VerifyWebhookInput = { body: await request.text(), headers: request.headers, secret };
 */
export interface VerifyWebhookInput {
  /** The raw body: a string or bytes, never a parsed object. */
  body: RawBody;
  headers: HeadersInput;
  /** The signing secret, or several during a rotation. */
  secret: SecretInput;
  /** Accepted clock difference in seconds, both directions. Default 300. */
  tolerance?: number | undefined;
  /** The clock, for tests: a `Date` or epoch **milliseconds**. */
  now?: Date | number | undefined;
  /** The provider's signing scheme. Default `standardWebhooksScheme`. */
  scheme?: SignatureScheme | undefined;
}

// Verifiers by scheme, tolerance and secret: repeated one-shot calls skip decoding
// and key import. A secret string is a Map key as is (no concatenation, so V8 reuses
// its cached hash); a rotation list is keyed by its JSON. Bounded, since secrets
// could come from per-tenant configuration.
const CACHE_LIMIT = 32;
const cache = new WeakMap<SignatureScheme, Map<number, Map<string, Verifier>>>();

// The last verifier used with a single secret string: an app with one endpoint hits
// this on every call and skips the map lookups. (Not for arrays: a caller may mutate one.)
let last: { secret: string; tolerance: number | undefined; scheme: SignatureScheme; verifier: Verifier } | undefined;

function cachedVerifier(secret: SecretInput, tolerance: number | undefined, scheme: SignatureScheme): Verifier {
  if (last !== undefined && last.secret === secret && last.tolerance === tolerance && last.scheme === scheme) {
    return last.verifier;
  }
  const verifier = lookup(secret, tolerance, scheme);
  if (typeof secret === "string") last = { secret, tolerance, scheme, verifier };
  return verifier;
}

function lookup(secret: SecretInput, tolerance: number | undefined, scheme: SignatureScheme): Verifier {
  const seconds = tolerance === undefined ? DEFAULT_TOLERANCE_SECONDS : toleranceSeconds(tolerance);
  const key = typeof secret === "string" ? secret : `\u0000${JSON.stringify(secret)}`;
  let byTolerance = cache.get(scheme);
  if (!byTolerance) cache.set(scheme, (byTolerance = new Map()));
  let bySecret = byTolerance.get(seconds);
  if (!bySecret) byTolerance.set(seconds, (bySecret = new Map()));
  let verifier = bySecret.get(key);
  if (!verifier) {
    verifier = createVerifier({ secret, tolerance: seconds, scheme });
    // Oldest first out; a Map iterates in insertion order.
    if (bySecret.size >= CACHE_LIMIT) bySecret.delete(bySecret.keys().next().value!);
    bySecret.set(key, verifier);
  }
  return verifier;
}

/**
 * Verifies one webhook delivery: signature (HMAC-SHA256 over the exact bytes
 * received), timestamp (within `tolerance` seconds both ways) and headers
 * (`svix-*` or `webhook-*`, `svix-*` first). Resolves with `{ id, timestamp, body }`
 * or rejects with a `WebhookVerificationError` whose `code` says what failed; an
 * invalid secret is `INVALID_SECRET`. Verifiers are cached per secret, so calling
 * this per request is cheap; `createVerifier` is the explicit form.
 *
 * @example
 * import { verifyWebhook, WebhookVerificationError } from "agentref-webhooks";
 *
 * app.post("/webhooks/agentref", express.raw({ type: "application/json" }), async (req, res) => {
 *   try {
 *     const { id, body } = await verifyWebhook({ body: req.body, headers: req.headers, secret: process.env.AGENTREF_WEBHOOK_SECRET! });
 *     res.sendStatus(200);
 *   } catch (err) {
 *     if (err instanceof WebhookVerificationError) return res.status(err.status).send(err.code);
 *     throw err;
 *   }
 * });
 */
export function verifyWebhook(input: VerifyWebhookInput): Promise<VerifiedDelivery> {
  try {
    return cachedVerifier(input.secret, input.tolerance, input.scheme ?? standardWebhooksScheme).verify(input);
  } catch (err) {
    return Promise.reject(err);
  }
}

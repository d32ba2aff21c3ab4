import type { SignatureScheme } from "./scheme.js";
import type { SecretInput } from "./secret.js";
import { toleranceSeconds } from "./timestamp.js";
import { createVerifier, type Verifier } from "./verifier.js";

// Verifiers reused by `verifyWebhook` and secret resolvers, per scheme, tolerance and secrets.
// Bounded (secrets may be per tenant): past the limit the oldest goes.
const LIMIT = 32;
const schemeIds = new WeakMap<SignatureScheme, number>();
let schemes = 0;
const verifiers = new Map<string, Verifier>();

/** A verifier for these options, made once and reused. */
export function cachedVerifier(options: { secret: SecretInput; tolerance?: number | undefined; scheme: SignatureScheme }): Verifier {
  let schemeId = schemeIds.get(options.scheme);
  if (schemeId === undefined) schemeIds.set(options.scheme, (schemeId = ++schemes));
  const key = JSON.stringify([schemeId, toleranceSeconds(options.tolerance), options.secret]);
  let verifier = verifiers.get(key);
  if (!verifier) {
    verifier = createVerifier(options);
    if (verifiers.size >= LIMIT) verifiers.delete(verifiers.keys().next().value!);
    verifiers.set(key, verifier);
  }
  return verifier;
}

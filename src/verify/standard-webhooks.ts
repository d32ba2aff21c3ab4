import { createHmacScheme, type HeaderFamily, type SignatureScheme } from "./scheme.js";
import { decodeStandardWebhooksSecret } from "./secret.js";

/** The header names Svix (and AgentRef) send. */
export const SVIX_HEADERS: HeaderFamily = Object.freeze({
  id: "svix-id",
  timestamp: "svix-timestamp",
  signature: "svix-signature",
});

/** The header names of the Standard Webhooks specification. */
export const WEBHOOK_HEADERS: HeaderFamily = Object.freeze({
  id: "webhook-id",
  timestamp: "webhook-timestamp",
  signature: "webhook-signature",
});

/**
 * What `createStandardWebhooksScheme` takes.
 *
 * @example
 * const options: StandardWebhooksSchemeOptions = { headerPrefix: "webhook" };
 */
export interface StandardWebhooksSchemeOptions {
  /** Which header names `sign` writes: "svix" (default, what AgentRef sends) or "webhook". */
  headerPrefix?: "svix" | "webhook" | undefined;
  /** The scheme's name; defaults to "standard-webhooks". */
  name?: string | undefined;
}

/**
 * A Standard Webhooks v1 scheme (HMAC-SHA256 of `${id}.${timestamp}.${body}`,
 * base64 digests listed as `v1,<digest>` separated by spaces, `whsec_` secrets in
 * base64 or base64url, padded or not). Verification reads `svix-*` and
 * `webhook-*` headers whatever `headerPrefix` is: when both complete sets are
 * present, `svix-*` wins; a set missing one of its three headers is ignored as a
 * whole (headers are never mixed across families). `headerPrefix` only picks
 * what `sign` writes. Entries of other versions (`v2,…`, `v1a,…` ed25519) are skipped.
 *
 * @example
 * // AgentSync sends webhook-* headers:
 * export const agentSyncScheme = createStandardWebhooksScheme({ headerPrefix: "webhook", name: "agentsync" });
 * await agentSyncScheme.sign({ id: "whe_1", body, secret }); // { "webhook-id", "webhook-timestamp", "webhook-signature" }
 */
export function createStandardWebhooksScheme(options: StandardWebhooksSchemeOptions = {}): SignatureScheme {
  return createHmacScheme({
    name: options.name ?? "standard-webhooks",
    headerFamilies: [SVIX_HEADERS, WEBHOOK_HEADERS],
    signingHeaders: options.headerPrefix === "webhook" ? WEBHOOK_HEADERS : SVIX_HEADERS,
    signedPrefix: (id, timestamp) => `${id}.${timestamp}.`,
    encoding: "base64",
    signaturePrefix: "v1,",
    decodeSecret: decodeStandardWebhooksSecret,
  });
}

/**
 * The Standard Webhooks / Svix scheme AgentRef signs with: the default of
 * `createVerifier` and `verifyWebhook`. Accepts `svix-*` and `webhook-*` headers
 * (`svix-*` wins when both are present) and signs with `svix-*`.
 *
 * @example
 * import { standardWebhooksScheme } from "agentref-webhooks";
 * const headers = await standardWebhooksScheme.sign({ id: "msg_1", timestamp: 1614265330, body: "{}", secret });
 */
export const standardWebhooksScheme: SignatureScheme = createStandardWebhooksScheme();

import { createHmacScheme, type HeaderFamily, type SignatureScheme } from "./scheme.js";
import { decodeStandardWebhooksSecret } from "./secret.js";

const headerFamily = (prefix: string): HeaderFamily =>
  Object.freeze({ id: `${prefix}-id`, timestamp: `${prefix}-timestamp`, signature: `${prefix}-signature` });

/** The header names Svix (and AgentRef) send: `svix-id`, `svix-timestamp`, `svix-signature`. */
export const SVIX_HEADERS = headerFamily("svix");

/** The header names of the Standard Webhooks specification: `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
export const WEBHOOK_HEADERS = headerFamily("webhook");

/**
 * What `createStandardWebhooksScheme` takes.
 * @example const options: StandardWebhooksSchemeOptions = { headerPrefix: "webhook" };
 */
export interface StandardWebhooksSchemeOptions {
  /** Which header names `sign` writes: "svix" (default, what AgentRef sends) or "webhook". */
  headerPrefix?: "svix" | "webhook" | undefined;
  /** The scheme's name; defaults to "standard-webhooks". */
  name?: string | undefined;
}

/**
 * A Standard Webhooks v1 scheme: HMAC-SHA256 of `${id}.${timestamp}.${body}`, digests as
 * `v1,<base64>`, `whsec_` secrets. It reads complete `svix-*` or `webhook-*` header sets
 * (`svix-*` first, never mixed); `headerPrefix` only picks what `sign` writes.
 * @example const agentSyncScheme = createStandardWebhooksScheme({ headerPrefix: "webhook", name: "agentsync" });
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
 * The Standard Webhooks / Svix scheme AgentRef signs with, the default of `createVerifier`
 * and `verifyWebhook`; it signs with `svix-*`.
 * @example const headers = await standardWebhooksScheme.sign({ id: "msg_1", timestamp: 1614265330, body: "{}", secret });
 */
export const standardWebhooksScheme: SignatureScheme = createStandardWebhooksScheme();

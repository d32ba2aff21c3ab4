import { platformCrypto } from "#crypto";

// One key per event, for every store and for the BullMQ job id: `<provider>@<tenant>@<id>`,
// or `<provider>@<id>` when the provider has no tenant field.
//
// Every character outside [A-Za-z0-9_.-] is written as `%XXXX`, one fixed-width group per
// UTF-16 code unit, so the mapping is injective (two different strings never share a key),
// lone surrogates and NUL survive, and the result is plain ASCII that every store and BullMQ
// accept (BullMQ forbids ':' in job ids). A key longer than MAX_KEY_LENGTH keeps its readable
// prefix and ends with the SHA-256 of the whole escaped key, so a 10 KB id still fits a
// PostgreSQL index entry.

const SAFE = /[A-Za-z0-9_.-]/;
const ALL_SAFE = /^[A-Za-z0-9_.-]*$/;

/** The longest key handed to a store, in characters (all ASCII). */
export const MAX_KEY_LENGTH = 200;

function escapeKeyPart(value: string): string {
  if (ALL_SAFE.test(value)) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    out += SAFE.test(char) ? char : `%${value.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return out;
}

/** What identifies one event: the provider, the tenant it belongs to (if the provider has one), and the event id. */
export interface KeyParts {
  provider: string;
  tenant?: string | undefined;
  id: string;
}

/**
 * The idempotency key of an event (also its queue job id), e.g. `agentref@mer_1@msg_1`: distinct for every distinct
 * (provider, tenant, id), ASCII, at most {@link MAX_KEY_LENGTH} characters.
 */
export async function idempotencyKey(parts: KeyParts): Promise<string> {
  const tenant = parts.tenant === undefined ? "" : `${escapeKeyPart(parts.tenant)}@`;
  const escaped = `${escapeKeyPart(parts.provider)}@${tenant}${escapeKeyPart(parts.id)}`;
  if (escaped.length <= MAX_KEY_LENGTH) return escaped;
  const digest = await platformCrypto.sha256Hex(escaped);
  // `#` never appears in an escaped key, so a hashed key never equals a plain one.
  return `${escaped.slice(0, MAX_KEY_LENGTH - digest.length - 1)}#${digest}`;
}

const SEPARATOR = "@";
// Everything outside this set is escaped, the separator and ':' included, so the
// mapping is injective: two different (provider, event id) pairs never share a job id.
const SAFE = /[A-Za-z0-9_.-]/;

function escapePart(value: string): string {
  let out = "";
  for (const char of value) {
    if (SAFE.test(char)) {
      out += char;
      continue;
    }
    // Fixed-width per UTF-16 code unit: no ambiguity, and lone surrogates survive.
    for (let i = 0; i < char.length; i++) {
      out += `%${char.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")}`;
    }
  }
  return out;
}

/**
 * The BullMQ job id of one event: `<provider>@<event id>`, with every character
 * outside `[A-Za-z0-9_.-]` escaped as `%XXXX` (BullMQ rejects ids containing `:` and
 * ids that look like integers; neither can happen here). Deterministic, so every
 * delivery of the same event maps to the same job, and BullMQ's `add` with an
 * existing id is a no-op: that is the dedupe.
 *
 * @example
 * import { bullmqJobId } from "agentref-webhooks/bullmq";
 * bullmqJobId("msg_abc123");                 // "agentref@msg_abc123"
 * bullmqJobId("evt:42", "agiled");           // "agiled@evt%003A42"
 * const job = await queue.getJob(bullmqJobId(event.id));
 */
export function bullmqJobId(eventId: string, provider = "agentref"): string {
  return `${escapePart(provider)}${SEPARATOR}${escapePart(eventId)}`;
}

import type { AnyProvider } from "../provider/define-provider.js";
import { parseWith } from "../provider/parse.js";
import { agentref, type AgentRefProvider } from "../providers/agentref.js";
import { verifyWebhook, type VerifyWebhookInput } from "../verify/verify-webhook.js";
import type { ParsedEvent, ParseEventOptions } from "./parse-event.js";

/**
 * What `constructEvent` takes: `verifyWebhook`'s input, plus the provider and strictness.
 * @example await constructEvent({ body: rawBody, headers: req.headers, secret });
 */
export type ConstructEventInput<P extends AnyProvider = AgentRefProvider> = Omit<VerifyWebhookInput, "scheme"> & ParseEventOptions<P>;

/**
 * Verifies a delivery, then parses its body into a typed event (see `parseEvent`). Throws
 * `WebhookVerificationError` when it is not authentic.
 * @example
 * const event = await constructEvent({ body: rawBody, headers: req.headers, secret: process.env.AGENTREF_WEBHOOK_SECRET! });
 * if (!isUnknownEvent(event) && event.type === "payout.failed") console.log(event.data.failureReason);
 */
export async function constructEvent<P extends AnyProvider = AgentRefProvider>(input: ConstructEventInput<P>): Promise<ParsedEvent<P>> {
  const { provider, strict, ...verifyInput } = input;
  const chosen = (provider ?? agentref) as P;
  const verified = await verifyWebhook({ ...verifyInput, scheme: chosen.scheme });
  return parseWith(chosen, verified.body, strict ?? false);
}

import { Webhook } from "standardwebhooks";

/**
 * A fixed demo secret for tests: `whsec_` + base64 of 32 bytes. Never a real one.
 *
 * @example
 * createHandler({ secret: TEST_SECRET, on: {} });
 */
export const TEST_SECRET = `whsec_${Buffer.from("agentref-webhooks-test-secret-32").toString("base64")}`;

/**
 * What `signDelivery` takes.
 *
 * @example
 * signDelivery({ body: JSON.stringify(sampleEvents["payout.failed"]) });
 */
export interface SignOptions {
  /** The exact body that will be sent. */
  body: string;
  /** The delivery id (svix-id). Default: the envelope's `id`, else a fresh one. */
  id?: string;
  /** Signature timestamp. Default: now. */
  timestamp?: Date;
  /** Default {@link TEST_SECRET}. */
  secret?: string;
}

/**
 * Signs a delivery with the reference implementation (`standardwebhooks`), under
 * the `svix-*` header names AgentRef sends.
 *
 * @example
 * const headers = signDelivery({ body });
 * await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
 */
export function signDelivery(options: SignOptions): Record<"svix-id" | "svix-timestamp" | "svix-signature", string> {
  const id = options.id ?? envelopeId(options.body) ?? `msg_${crypto.randomUUID()}`;
  const timestamp = options.timestamp ?? new Date();
  const signature = new Webhook(options.secret ?? TEST_SECRET).sign(id, timestamp, options.body);
  return {
    "svix-id": id,
    "svix-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "svix-signature": signature,
  };
}

function envelopeId(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    return typeof parsed.id === "string" ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A signed Web `Request` for calling a handler directly.
 *
 * @example
 * const response = await handler(signedRequest({ body }));
 */
export function signedRequest(options: SignOptions & { url?: string; headers?: Record<string, string> }): Request {
  return new Request(options.url ?? "http://localhost/webhooks/agentref", {
    method: "POST",
    headers: { "content-type": "application/json", ...signDelivery(options), ...options.headers },
    body: options.body,
  });
}

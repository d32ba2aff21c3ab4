import type { AnyProvider } from "../provider/define-provider.js";
import { eventIdOf } from "../provider/parse.js";
import { agentref } from "../providers/agentref.js";
import type { HeaderFamily, SignedHeaders } from "../verify/scheme.js";
import type { SecretInput } from "../verify/secret.js";
import { SVIX_HEADERS, WEBHOOK_HEADERS } from "../verify/standard-webhooks.js";

/**
 * Which header names to sign with: `"svix"` (what AgentRef sends), `"webhook"` (Standard Webhooks) or any family.
 * @example const names: HeaderNames = "webhook";
 */
export type HeaderNames = "svix" | "webhook" | HeaderFamily;

/**
 * What `signPayload` takes.
 * @example const input: SignPayloadInput = { body: JSON.stringify(event), secret, timestamp: new Date() };
 */
export interface SignPayloadInput {
  /** The exact body that will be sent. */
  body: string | Uint8Array;
  /** One secret, or several (one signature each, as during a rotation). */
  secret: SecretInput;
  /** The message id. Default: the body's envelope id when it is JSON with one, else a random `msg_…`. */
  id?: string | undefined;
  /** Unix **seconds** or a `Date`. Default: now (the real clock). */
  timestamp?: number | Date | undefined;
  /** Header names. Default: the provider's (`svix-*` for AgentRef). */
  headers?: HeaderNames | undefined;
  /** Whose scheme signs. Default: AgentRef (Standard Webhooks). */
  provider?: AnyProvider | undefined;
}

/** The message id a JSON body carries under the provider's `idKey`, if any. */
export function envelopeId(body: string | Uint8Array, provider: AnyProvider): string | undefined {
  try {
    const value = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)) as unknown;
    // An empty id is none: the id header needs a value.
    return (typeof value === "object" && value !== null && eventIdOf(provider, value as Record<string, unknown>)) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signs a body the way the provider does (`provider.scheme.sign`) and returns the headers to
 * send with it (`svix-id`, `svix-timestamp`, `svix-signature` for AgentRef).
 * @example
 * import { signPayload, createTestEvent } from "agentref-webhooks/testing";
 * const body = JSON.stringify(createTestEvent("payout.failed"));
 * const headers = await signPayload({ body, secret: process.env.AGENTREF_WEBHOOK_SECRET! });
 * await fetch("http://localhost:3000/webhooks/agentref", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
 */
export async function signPayload(input: SignPayloadInput): Promise<SignedHeaders> {
  const { body, secret, timestamp, headers } = input;
  const provider = input.provider ?? agentref;
  // Year 5138 in seconds: such a value is almost surely Date.now() milliseconds. The scheme checks the rest.
  if (typeof timestamp === "number" && timestamp > 1e11) {
    throw new RangeError(`signPayload: timestamp ${timestamp} looks like milliseconds; pass Unix seconds (Math.floor(ms / 1000)) or a Date`);
  }
  return provider.scheme.sign({
    id: input.id ?? envelopeId(body, provider) ?? `msg_${globalThis.crypto.randomUUID().replaceAll("-", "")}`,
    timestamp,
    body,
    secret,
    headers: headers === "svix" ? SVIX_HEADERS : headers === "webhook" ? WEBHOOK_HEADERS : headers,
  });
}

/**
 * What `createSignedRequest` takes besides the event: `signPayload`'s options, and the request's.
 * @example const options: SignedRequestOptions = { secret, url: "http://localhost:3000/webhooks/agentref" };
 */
export interface SignedRequestOptions extends Omit<SignPayloadInput, "body"> {
  /** Default `http://localhost/webhooks/<provider name>`. */
  url?: string | URL | undefined;
  /** More headers; they win over the signed ones, so a test can break a signature on purpose. */
  // Not `HeadersInit`: that is DOM-only, and these declarations must type-check without the DOM lib.
  extraHeaders?: ConstructorParameters<typeof Headers>[0] | undefined;
  /** Default `POST`. */
  method?: string | undefined;
  /** Aborts the request (the simulator's timeout uses it). */
  signal?: AbortSignal | undefined;
}

/**
 * A Web `Request` signed like a real delivery (JSON body, the provider's signature headers),
 * ready for `handler(request)`.
 * @example
 * const response = await handler(await createSignedRequest(createTestEvent("payout.failed"), { secret }));
 * expect(response.status).toBe(200);
 */
export async function createSignedRequest(eventOrBody: object | string | Uint8Array, options: SignedRequestOptions): Promise<Request> {
  const body = typeof eventOrBody === "string" || eventOrBody instanceof Uint8Array ? eventOrBody : JSON.stringify(eventOrBody);
  const signed = await signPayload({ ...options, body });
  const headers = new Headers({ "content-type": "application/json", "user-agent": "agentref-webhooks-testing", ...signed });
  new Headers(options.extraHeaders).forEach((value, name) => headers.set(name, value));
  return new Request(options.url ?? `http://localhost/webhooks/${(options.provider ?? agentref).name}`, {
    method: options.method ?? "POST",
    headers,
    body: body as BodyInit,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

import type { AnyProvider } from "../provider/define-provider.js";
import { agentref } from "../providers/agentref.js";
import type { SecretInput } from "../verify/secret.js";
import { signPayload, type HeaderNames } from "./sign-payload.js";

/**
 * What `createSignedRequest` takes besides the event.
 *
 * @example
 * const options: SignedRequestOptions = { secret, url: "http://localhost:3000/webhooks/agentref" };
 */
export interface SignedRequestOptions {
  /** The endpoint's secret, or several (one signature each). */
  secret: SecretInput;
  /** Default `http://localhost/webhooks/<provider name>`. */
  url?: string | URL | undefined;
  /** Signature header names: `"svix"` (AgentRef's default) or `"webhook"`. */
  headers?: HeaderNames | undefined;
  /** More headers; they win over the signed ones, so a test can break a signature on purpose. */
  // Not `HeadersInit`: that is DOM-only, and these declarations must type-check without the DOM lib.
  extraHeaders?: ConstructorParameters<typeof Headers>[0] | undefined;
  /** Signature timestamp: Unix **seconds** or a `Date`. Default: now. */
  timestamp?: number | Date | undefined;
  /** The delivery id (`svix-id`). Default: the event's id. */
  id?: string | undefined;
  /** Whose scheme and envelope. Default: AgentRef. */
  provider?: AnyProvider | undefined;
  /** Default `POST`. */
  method?: string | undefined;
  /** Aborts the request (the simulator's timeout uses it). */
  signal?: AbortSignal | undefined;
}

/** The exact bytes `createSignedRequest` sends: objects as `JSON.stringify`, strings and bytes unchanged. */
export function serializeBody(eventOrBody: object | string | Uint8Array): string | Uint8Array {
  if (typeof eventOrBody === "string" || eventOrBody instanceof Uint8Array) return eventOrBody;
  return JSON.stringify(eventOrBody);
}

/**
 * A Web `Request` signed like a real delivery (JSON body, the provider's signature headers),
 * ready for `handler(request)`.
 *
 * @example
 * const response = await handler(await createSignedRequest(createTestEvent("payout.failed"), { secret }));
 * expect(response.status).toBe(200);
 */
export async function createSignedRequest(eventOrBody: object | string | Uint8Array, options: SignedRequestOptions): Promise<Request> {
  const provider = options.provider ?? agentref;
  const body = serializeBody(eventOrBody);
  const signed = await signPayload({
    body,
    secret: options.secret,
    id: options.id,
    timestamp: options.timestamp,
    headers: options.headers,
    provider,
  });
  const headers = new Headers({ "content-type": "application/json", "user-agent": "agentref-webhooks-testing", ...signed });
  new Headers(options.extraHeaders).forEach((value, name) => headers.set(name, value));
  return new Request(options.url ?? `http://localhost/webhooks/${provider.name}`, {
    method: options.method ?? "POST",
    headers,
    body: body as BodyInit,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

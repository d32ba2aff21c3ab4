import { agentref } from "../providers/agentref.js";
import { createSignedRequest, envelopeId, type SignPayloadInput } from "./sign-payload.js";
import { createVirtualClock, type VirtualClock } from "./virtual-clock.js";
import { nowSeconds } from "../verify/timestamp.js";
import { withTimeout } from "../util/timeout.js";

/**
 * Where the simulator delivers: a handler (e.g. from `createHandler`), or a URL it POSTs to with `fetch`.
 * @example const target: DeliveryTarget = "http://127.0.0.1:3000/webhooks/agentref";
 */
export type DeliveryTarget = ((request: Request) => Promise<Response> | Response) | string | URL;

/**
 * One attempt in the simulator's log.
 * @example
 * const [first]: DeliveryAttempt[] = result.attempts;
 * first.scheduledAt; // 0 (ms of virtual time since the first attempt)
 */
export interface DeliveryAttempt {
  /** 1 for the first attempt. */
  attempt: number;
  /** Virtual ms since the first attempt, from the schedule: 0, 60 000, 360 000, … for AgentRef. */
  scheduledAt: number;
  /** The virtual wall-clock time of the attempt. */
  at: Date;
  /** The signature timestamp sent (Unix seconds): real time, or the clock's when one is given. */
  timestamp: number;
  /** The answer's status; `undefined` after a timeout or a network error. */
  status: number | undefined;
  /** True for a 2xx answered within the timeout. */
  ok: boolean;
  /** Real time the target took to answer, in ms. */
  durationMs: number;
  timedOut: boolean;
  /** Why there was no answer (network error, handler threw). */
  error?: string;
  /** The first KiB of the answer's body. */
  responseBody?: string;
}

/**
 * What `simulateDelivery` returns.
 * @example const { delivered, attempts }: DeliveryResult = await simulateDelivery({ target, event, secret });
 */
export interface DeliveryResult {
  /** True when an attempt got a 2xx in time; false when the schedule ran out. */
  delivered: boolean;
  /** The delivery id sent on every attempt (`svix-id`). */
  id: string;
  attempts: DeliveryAttempt[];
  /** The exact body sent on every attempt. */
  body: string;
}

/**
 * What `simulateDelivery` takes.
 * @example const options: SimulateDeliveryOptions = { target: handler, event: createTestEvent("payout.failed"), secret };
 */
export interface SimulateDeliveryOptions extends Pick<SignPayloadInput, "secret" | "id" | "headers" | "provider"> {
  target: DeliveryTarget;
  /** The event (sent as compact JSON) or the raw body to send. */
  event: object | string;
  /** Delay before each attempt in ms, the first usually 0. Default: the provider's (AgentRef: 0, 1 m, 5 m, 15 m, 1 h, 3 h, 6 h, 12 h, 24 h). */
  schedule?: readonly number[] | undefined;
  /** Sign attempts at this clock's time, advancing it by each delay; give the receiver the same clock. */
  clock?: VirtualClock | undefined;
  /** Real ms to wait for an answer before counting a timeout. Default: the provider's (30 000). */
  timeoutMs?: number | undefined;
  /** Request URL when `target` is a function. Default `http://localhost/webhooks/<provider>`. */
  url?: string | undefined;
  /** Real ms waited per virtual ms between attempts. Default 0 (waits are not waited). */
  timeScale?: number | undefined;
  /** Called after each attempt (progress output). */
  onAttempt?: ((attempt: DeliveryAttempt) => void) | undefined;
  /** The `fetch` used for URL targets. Default `globalThis.fetch` (so msw intercepts it). */
  fetch?: typeof fetch | undefined;
}

const RESPONSE_BODY_LIMIT = 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Answer = Pick<DeliveryAttempt, "status" | "timedOut" | "error" | "responseBody">;

/** One request, abandoned (and aborted) after `timeoutMs`: a handler target may ignore the signal. */
async function attemptOnce(send: (signal: AbortSignal) => Promise<Response>, timeoutMs: number): Promise<Answer> {
  const controller = new AbortController();
  const answered = send(controller.signal)
    .then(async (response): Promise<Answer> => {
      const text = await response.text();
      return { status: response.status, timedOut: false, responseBody: text.slice(0, RESPONSE_BODY_LIMIT) };
    })
    .catch((err: unknown): Answer => {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      return { status: undefined, timedOut: false, error: `${(err as Error).message ?? String(err)}${cause ? ` (${cause})` : ""}` };
    });
  // `answered` never rejects: a rejection here is the timeout.
  return withTimeout(answered, timeoutMs, `no answer within ${timeoutMs} ms`).catch((reason: Error) => {
    controller.abort(reason);
    return { status: undefined, timedOut: true, error: `timed out after ${timeoutMs} ms` };
  });
}

/**
 * Delivers one event the way AgentRef does: POSTs it and, until a 2xx, retries after each
 * delay of the provider's schedule with the same id and body and a fresh signature. The waits
 * are virtual (see `timeScale`), so 46 hours of retries run in milliseconds. With `clock`,
 * attempts are signed at the clock's time: the receiver must read the same clock.
 * @example
 * import { createHandler } from "agentref-webhooks";
 * import { createTestEvent, createVirtualClock, generateSecret, simulateDelivery } from "agentref-webhooks/testing";
 *
 * const secret = generateSecret();
 * const clock = createVirtualClock();
 * const handler = createHandler({ secret, now: clock.now, on: { "conversion.created": credit } });
 * const result = await simulateDelivery({ target: handler, event: createTestEvent("conversion.created"), secret, clock });
 * result.delivered;                            // true
 * result.attempts.map((a) => a.scheduledAt);   // e.g. [0, 60_000, 360_000]
 */
export async function simulateDelivery(options: SimulateDeliveryOptions): Promise<DeliveryResult> {
  const provider = options.provider ?? agentref;
  const schedule = options.schedule ?? provider.retrySchedule;
  if (schedule.length === 0) throw new RangeError("simulateDelivery: schedule must list at least one delay (0 for an immediate first attempt)");
  const bad = schedule.findIndex((delay) => !Number.isFinite(delay) || delay < 0);
  if (bad >= 0) throw new RangeError(`simulateDelivery: schedule delays must be finite ms >= 0, got ${String(schedule[bad])}`);
  const timeoutMs = options.timeoutMs ?? provider.timeoutMs;
  const timeScale = options.timeScale ?? 0;
  const body = typeof options.event === "string" ? options.event : JSON.stringify(options.event);
  const id = options.id ?? envelopeId(body, provider) ?? `msg_sim_${globalThis.crypto.randomUUID().replaceAll("-", "")}`;
  const clock = options.clock ?? createVirtualClock();
  const { target } = options;
  const url = typeof target === "function" ? options.url : target;
  const doFetch = options.fetch ?? globalThis.fetch;

  const attempts: DeliveryAttempt[] = [];
  let scheduledAt = 0;
  for (const [index, delay] of schedule.entries()) {
    if (delay > 0) {
      await sleep(delay * timeScale);
      clock.advance(delay);
      scheduledAt += delay;
    }
    const at = clock.now();
    // Without a caller's clock, the virtual time only labels attempts; signatures use the real clock.
    const timestamp = nowSeconds(options.clock ? at : undefined);
    const send = async (signal: AbortSignal): Promise<Response> => {
      const request = await createSignedRequest(body, { secret: options.secret, headers: options.headers, url, id, timestamp, provider, signal });
      return typeof target === "function" ? await target(request) : await doFetch(request, { redirect: "manual" });
    };
    const started = performance.now();
    const answer = await attemptOnce(send, timeoutMs);
    const record: DeliveryAttempt = {
      attempt: index + 1,
      scheduledAt,
      at: new Date(at),
      timestamp,
      ...answer,
      ok: answer.status !== undefined && answer.status >= 200 && answer.status < 300,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    attempts.push(record);
    options.onAttempt?.(record);
    if (record.ok) return { delivered: true, id, attempts, body };
  }
  return { delivered: false, id, attempts, body };
}

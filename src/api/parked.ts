import type { IdempotencyStore, ParkedDelivery } from "../idempotency/store.js";
import type { AnyProvider } from "../provider/define-provider.js";
import { agentref } from "../providers/agentref.js";
import { requireMethods } from "../util/options.js";
import { nowSeconds } from "../verify/timestamp.js";

/**
 * What `listParked` takes.
 * @example await listParked({ store, limit: 20 });
 */
export interface ListParkedOptions {
  /** The store the receiver parks into (a durable one: SQLite, D1, Redis or PostgreSQL). */
  store: IdempotencyStore;
  /** At most this many, the longest parked first. Default: all. */
  limit?: number;
}

/**
 * The deliveries parked by `createHandler({ parking: true })` (or a worker's dead letters), the longest parked first.
 * @example for (const parked of await listParked({ store })) console.log(parked.type, parked.eventId, parked.reason);
 */
export async function listParked(options: ListParkedOptions): Promise<ParkedDelivery[]> {
  requireMethods("listParked", "parking needs", options.store, ["listParked", "unpark"]);
  return options.store.listParked!(options.limit === undefined ? {} : { limit: options.limit });
}

/**
 * What `replayParked` takes.
 * @example await replayParked({ store, secret: process.env.AGENTREF_WEBHOOK_SECRET!, to: handler });
 */
export interface ReplayParkedOptions {
  /** The store the deliveries were parked in. */
  store: IdempotencyStore;
  /** Where to deliver them: your handler (`Request` in, `Response` out) or your receiver's URL. */
  to: ((request: Request) => Promise<Response> | Response) | string | URL;
  /** The receiver's signing secret, or one per delivery (a multi-tenant receiver). */
  secret: string | ((parked: ParkedDelivery) => string | Promise<string>);
  /** Whose deliveries are replayed, signed with its scheme. Default: AgentRef. Other providers' parked deliveries are left alone. */
  provider?: AnyProvider;
  /** Only the deliveries this returns true for. Default: all. */
  filter?: (parked: ParkedDelivery) => boolean;
  /** At most this many. Default: all. */
  limit?: number;
  /** With a URL `to`: an answer not received within this many ms leaves the delivery parked. Default: the provider's response timeout (30 s). */
  timeoutMs?: number;
}

/**
 * One replayed delivery: the answer it got, and whether it left the parking store.
 * @example const { status, outcome, unparked }: ReplayedDelivery = result.replayed[0]!;
 */
export interface ReplayedDelivery {
  key: string;
  eventId: string;
  type: string;
  /** The receiver's status; 0 when the request itself failed (the receiver unreachable). */
  status: number;
  /** The answer's `outcome` (`handled`, `duplicate`, `stale`, …) or error `code`. */
  outcome: string | undefined;
  /** True when the receiver accepted it (2xx, not parked again): it was removed from the store. */
  unparked: boolean;
}

/**
 * Delivers parked deliveries again, one at a time, through your receiver's normal path (each body signed afresh).
 * Each one answered 2xx and not parked again is removed from the store; the rest stay parked.
 * @example const { replayed } = await replayParked({ store, secret: process.env.AGENTREF_WEBHOOK_SECRET!, to: "http://127.0.0.1:3000/webhooks/agentref" });
 */
export async function replayParked(options: ReplayParkedOptions): Promise<{ replayed: ReplayedDelivery[] }> {
  const { store } = options;
  requireMethods("replayParked", "parking needs", store, ["listParked", "unpark"]);
  const provider = options.provider ?? agentref;
  const parked = await store.listParked!();
  // Another provider's deliveries would be signed with the wrong scheme: they are left alone.
  const chosen = parked
    .filter((delivery) => delivery.provider === provider.name && (options.filter?.(delivery) ?? true))
    .slice(0, options.limit ?? parked.length);
  const replayed: ReplayedDelivery[] = [];
  for (const delivery of chosen) {
    const secret = typeof options.secret === "function" ? await options.secret(delivery) : options.secret;
    // The event id is the delivery id for providers whose envelope has none, so it is kept.
    const headers = await provider.scheme.sign({ id: delivery.eventId, timestamp: nowSeconds(), body: delivery.body, secret });
    const request = new Request(typeof options.to === "function" ? "http://replay.invalid/" : options.to, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: delivery.body,
    });
    let status = 0;
    let outcome: string | undefined;
    try {
      const response =
        typeof options.to === "function" ? await options.to(request) : await fetch(request, { signal: AbortSignal.timeout(options.timeoutMs ?? provider.timeoutMs) });
      status = response.status;
      const answer = (await response.json().catch(() => ({}))) as { outcome?: unknown; code?: unknown };
      outcome = typeof answer.outcome === "string" ? answer.outcome : typeof answer.code === "string" ? answer.code : undefined;
    } catch {
      // The receiver could not be reached: the delivery stays parked.
    }
    const unparked = status >= 200 && status < 300 && outcome !== "parked" && (await store.unpark!(delivery.key));
    replayed.push({ key: delivery.key, eventId: delivery.eventId, type: delivery.type, status, outcome, unparked });
  }
  return { replayed };
}

// A Worker (run in workerd by miniflare) that exposes D1 stores over fetch, so the store
// contract runs in vitest against the real D1 of workerd. One request = one operation.
import { env } from "cloudflare:workers";
import { createD1Store, type D1DatabaseLike, type D1Store } from "../../../../src/idempotency/d1.js";

interface Env {
  DB: D1DatabaseLike;
}
const bindings: Env = env;

// Made at module scope with the binding given lazily: no I/O, randomness or timers here.
const moduleScopeStore = createD1Store({ database: () => bindings.DB, table: "module_scope" });

const stores = new Map<string, D1Store>();

interface Call {
  store: string;
  options?: { ttlMs?: number; leaseMs?: number; table?: string; timeoutMs?: number };
  op:
    | "claim"
    | "complete"
    | "release"
    | "renew"
    | "migrate"
    | "purgeExpired"
    | "claimEntity"
    | "renewEntity"
    | "releaseEntity"
    | "park"
    | "listParked"
    | "unpark";
  args: unknown[];
}

export default {
  async fetch(request: Request): Promise<Response> {
    const call = (await request.json()) as Call;
    let store = call.store === "module-scope" ? moduleScopeStore : stores.get(call.store);
    if (store === undefined) {
      store = createD1Store({ database: bindings.DB, ...call.options });
      stores.set(call.store, store);
    }
    try {
      const method = store[call.op] as (...args: unknown[]) => Promise<unknown>;
      return Response.json({ value: (await method.apply(store, call.args)) ?? null });
    } catch (err) {
      const e = err as { name?: string; code?: string; message?: string };
      return Response.json({ error: { name: e.name, code: e.code, message: e.message } });
    }
  },
};

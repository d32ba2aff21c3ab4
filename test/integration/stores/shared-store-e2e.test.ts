import { randomBytes } from "node:crypto";
import pg from "pg";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHandler, createMemoryStore, type IdempotencyStore } from "../../../src/index.js";
import { toNodeHandler } from "../../../src/adapters/node.js";
import { createPostgresStore } from "../../../src/idempotency/postgres.js";
import { createRedisStore } from "../../../src/idempotency/redis.js";
import { createTestEventFactory, signPayload } from "../../../src/testing/index.js";
import { listen, type RunningServer } from "../../helpers/http.js";
import { databaseUrl, redisUrl } from "../../helpers/services.js";

// Issue 5's end-to-end promise: two app instances, each with its own connection to one
// shared store, receive the same deliveries concurrently; every event runs exactly once.

const secret = `whsec_${randomBytes(24).toString("base64")}`;
const EVENTS = 500;
const DUPLICATE_SHARE = 0.3;

interface Backend {
  name: string;
  available: boolean;
  /** A fresh store on its own connection, and how to close that connection. */
  open(): Promise<{ store: IdempotencyStore; close(): Promise<void> }>;
}

const rUrl = redisUrl();
const pUrl = databaseUrl();
const runId = randomBytes(4).toString("hex");
const table = `e2e_idem_${runId}`;

const backends: Backend[] = [
  {
    name: "Redis",
    available: rUrl !== undefined,
    async open() {
      const client = createClient({ url: rUrl!, disableOfflineQueue: true });
      await client.connect();
      return { store: createRedisStore({ client, prefix: `e2e:${runId}:` }), close: async () => void (await client.quit()) };
    },
  },
  {
    name: "PostgreSQL",
    available: pUrl !== undefined,
    async open() {
      const pool = new pg.Pool({ connectionString: pUrl!, max: 10 });
      const store = createPostgresStore({ pool, table });
      await store.migrate();
      return { store, close: () => pool.end() };
    },
  },
];

async function deliver(url: string, body: string, id: string): Promise<number> {
  // Like AgentRef: every attempt carries a fresh timestamp and signature, the same id.
  const headers = await signPayload({ body, secret, id });
  const response = await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
  await response.arrayBuffer();
  return response.status;
}

/** Sends until a 2xx, retrying 409/5xx after a short (compressed) wait, like the sender does. */
async function deliverUntilAccepted(url: string, body: string, id: string, statuses: number[]): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const status = await deliver(url, body, id);
    statuses.push(status);
    if (status >= 200 && status < 300) return;
    await new Promise((r) => setTimeout(r, 5 + attempt * 5));
  }
  throw new Error(`event ${id} never accepted`);
}

describe.each(backends)("two handler instances sharing $name", (backend) => {
  const runs = new Map<string, number>();
  const servers: RunningServer[] = [];
  const connections: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    if (!backend.available) return;
    for (let i = 0; i < 2; i++) {
      const { store, close } = await backend.open();
      connections.push({ close });
      const handler = createHandler({
        secret,
        store,
        logger: {},
        on: {
          "conversion.created": async (event) => {
            runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
            // Hold the claim a moment, so concurrent duplicates really overlap.
            await new Promise((r) => setTimeout(r, Math.random() * 4));
          },
        },
      });
      servers.push(await listen(toNodeHandler(handler)));
    }
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(connections.map((c) => c.close()));
    if (backend.name === "PostgreSQL" && pUrl) {
      const pool = new pg.Pool({ connectionString: pUrl });
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    }
  });

  it.skipIf(!backend.available)(`handles each of ${EVENTS} events exactly once under 30 % concurrent duplicates`, async () => {
    const factory = createTestEventFactory({ seed: 7, idPrefix: `msg_${backend.name}_${runId}_` });
    const events = Array.from({ length: EVENTS }, () => {
      const event = factory.createTestEvent("conversion.created");
      return { id: event.id, body: JSON.stringify(event) };
    });
    const deliveries = [
      ...events.map((e, i) => ({ ...e, server: i % 2 })),
      // duplicates go to the other instance
      ...events.slice(0, Math.round(EVENTS * DUPLICATE_SHARE)).map((e, i) => ({ ...e, server: (i + 1) % 2 })),
    ].sort(() => Math.random() - 0.5);

    const statuses: number[] = [];
    const queue = [...deliveries];
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          await deliverUntilAccepted(servers[next.server]!.url, next.body, next.id, statuses);
        }
      }),
    );

    expect(runs.size).toBe(EVENTS);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    // every delivery eventually got a 2xx; the only non-2xx allowed on the way is 409 IN_PROGRESS
    expect(statuses.filter((s) => s === 200)).toHaveLength(deliveries.length);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
  });
});

describe("a store that cannot be reached", () => {
  it.skipIf(rUrl === undefined)("answers 503 with Retry-After and does not run the handler; the retry after recovery runs it once", async () => {
    let up = false;
    const real = createMemoryStore();
    // A real Redis client whose connection is closed stands in for the outage.
    const dead = createClient({ url: "redis://127.0.0.1:1", disableOfflineQueue: true });
    const down = createRedisStore({ client: dead, timeoutMs: 500 });
    const store: IdempotencyStore = {
      settings: real.settings,
      claim: (k, o) => (up ? real.claim(k, o) : down.claim(k, o)),
      complete: (k, t) => real.complete(k, t),
      release: (k, t) => real.release(k, t),
      renew: (k, t) => real.renew(k, t),
    };
    let runs = 0;
    const server = await listen(toNodeHandler(createHandler({ secret, store, logger: {}, on: { "payout.failed": () => void runs++ } })));
    try {
      const event = createTestEventFactory({ seed: 1 }).createTestEvent("payout.failed");
      const body = JSON.stringify(event);
      const headers = await signPayload({ body, secret, id: event.id });
      const outage = await fetch(server.url, { method: "POST", headers, body });
      expect(outage.status).toBe(503);
      expect(outage.headers.get("retry-after")).toBe("5");
      expect(await outage.json()).toMatchObject({ code: "STORE_UNAVAILABLE" });
      expect(runs).toBe(0);

      up = true;
      expect(await deliver(server.url, body, event.id)).toBe(200);
      expect(await deliver(server.url, body, event.id)).toBe(200);
      expect(runs).toBe(1);
    } finally {
      await server.close();
    }
  });
});

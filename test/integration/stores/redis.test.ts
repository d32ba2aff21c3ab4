import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { Redis, type RedisOptions } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/util/logger.js";
import { isWebhookError } from "../../../src/errors/index.js";
import { createRedisStore, type RedisClientLike } from "../../../src/idempotency/redis.js";
import { describeStoreContract, eventually, simulateDeliveries, type StoreFactoryOptions } from "../../contract/store-contract.js";
import { redisUrl, startTcpProxy } from "../../helpers/services.js";

const url = redisUrl();
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const runPrefix = `agentref-webhooks-test:${process.pid}:${Date.now().toString(36)}:`;
const HASH = "c".repeat(64);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const realClock = { clock: "real", now: Date.now, advance: sleep, leaseMs: 400, ttlMs: 1500 } as const;

type NodeRedisClient = ReturnType<typeof createClient>;

async function nodeRedisClient(options: Parameters<typeof createClient>[0] = {}): Promise<NodeRedisClient> {
  const client = createClient({ url: url!, ...options });
  client.on("error", () => {}); // reconnects are expected in the outage tests
  await client.connect();
  return client;
}

function ioRedisClient(options: RedisOptions = {}): Redis {
  const client = new Redis(url!, options);
  client.on("error", () => {});
  return client;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(url === undefined)("createRedisStore on a real Redis", () => {
  const nodeClients: NodeRedisClient[] = [];
  const ioClients: Redis[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) nodeClients.push(await nodeRedisClient());
    for (let i = 0; i < 4; i++) ioClients.push(ioRedisClient());
    await Promise.all(ioClients.map((c) => c.ping()));
  });

  afterAll(async () => {
    const cleaner = nodeClients[0];
    if (cleaner?.isOpen) {
      for await (const keys of cleaner.scanIterator({ MATCH: `${runPrefix}*`, COUNT: 1000 })) {
        if (keys.length > 0) await cleaner.unlink(keys);
      }
    }
    await Promise.all(nodeClients.map((c) => (c.isOpen ? c.quit() : undefined)));
    await Promise.all(ioClients.map((c) => c.quit()));
  });

  const factoryOn =
    (clients: () => RedisClientLike[], label: string) =>
    (options: StoreFactoryOptions) => {
      const [main, ...rest] = clients();
      const prefix = `${runPrefix}${label}:`;
      return {
        store: createRedisStore({ client: main!, prefix, ...options }),
        peers: rest.map((client) => createRedisStore({ client, prefix, ...options })),
        reopen: () => createRedisStore({ client: rest[0] ?? main!, prefix, ...options }),
      };
    };

  describeStoreContract("redis via node-redis", factoryOn(() => nodeClients, "node-redis"), realClock);
  describeStoreContract("redis via ioredis", factoryOn(() => ioClients, "ioredis"), realClock);

  describe("records and round trips", () => {
    it("stores status, owner token, lease and body hash, with a PX expiry in milliseconds", async () => {
      const client = nodeClients[0]!;
      const store = createRedisStore({ client, prefix: runPrefix, ttlMs: 1500, leaseMs: 500, logger: silentLogger });
      const result = await store.claim("record", { bodyHash: HASH });
      if (result.status !== "claimed") throw new Error(result.status);
      const record = await client.hGetAll(`${runPrefix}record`);
      expect(record).toEqual({ s: "p", t: result.token, l: String(result.leaseExpiresAt), h: HASH });
      const pttl = await client.pTTL(`${runPrefix}record`);
      expect(pttl).toBeGreaterThan(1000);
      expect(pttl).toBeLessThanOrEqual(1500);
      // The lease is computed on the server clock.
      const [seconds] = await client.time();
      expect(Math.abs(result.leaseExpiresAt - 500 - Number(seconds) * 1000)).toBeLessThan(2000);
      await store.complete("record", result.token);
      expect(await client.hGet(`${runPrefix}record`, "s")).toBe("c");
    });

    it("keeps an entity in one hash with a PX expiry, and parked deliveries under {parked} without one", async () => {
      const client = nodeClients[0]!;
      const prefix = `${runPrefix}layout:`;
      const store = createRedisStore({ client, prefix, ttlMs: 1500, leaseMs: 500, logger: silentLogger });
      const claim = await store.claimEntity("payout:po_1", { order: 1767225600000, eventId: "evt_1" });
      if (claim.status !== "claimed") throw new Error(claim.status);
      expect(await client.hGetAll(`${prefix}entity:payout:po_1`)).toMatchObject({ t: claim.token });
      expect(await store.releaseEntity("payout:po_1", claim.token, { order: 1767225600000, eventId: "evt_1" })).toBe(true);
      expect(await client.hGetAll(`${prefix}entity:payout:po_1`)).toEqual({ o: "1767225600000", e: "evt_1" });
      const pttl = await client.pTTL(`${prefix}entity:payout:po_1`);
      expect(pttl).toBeGreaterThan(1000);
      expect(pttl).toBeLessThanOrEqual(1500);
      // A release without a position, of a lock on an entity that applied nothing, leaves no key.
      const bare = await store.claimEntity("bare", { order: undefined, eventId: "evt_2" });
      if (bare.status !== "claimed") throw new Error(bare.status);
      expect(await store.releaseEntity("bare", bare.token)).toBe(true);
      expect(await client.exists(`${prefix}entity:bare`)).toBe(0);

      await store.park({ key: "k", provider: "agentref", eventId: "evt", type: "t", body: "{}", parkedAt: 5, reason: "r" });
      expect(await client.hKeys(`${prefix}{parked}`)).toEqual(["k"]);
      expect(await client.zRangeWithScores(`${prefix}{parked}:at`, 0, -1)).toEqual([{ value: "k", score: 5 }]);
      expect(await client.pTTL(`${prefix}{parked}`)).toBe(-1);
      expect(await store.unpark("k")).toBe(true);
      expect(await client.exists([`${prefix}{parked}`, `${prefix}{parked}:at`])).toBe(0);
    });

    it("costs one round trip per claim, complete or duplicate, and re-sends the script once after SCRIPT FLUSH", async () => {
      for (const client of [nodeClients[0]!, ioClients[0]!] as RedisClientLike[]) {
        const calls: string[] = [];
        const counted = new Proxy(client, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver);
            if (typeof value !== "function") return value;
            return (...args: unknown[]) => {
              calls.push(String(property));
              return value.apply(target, args);
            };
          },
        });
        const store = createRedisStore({ client: counted, prefix: `${runPrefix}rt:`, logger: silentLogger });
        const key = `rt_${Math.random()}`;
        // Load all three scripts first: the first use of each after a flush costs an extra EVAL.
        const warm = await store.claim(`warm_${key}`, { bodyHash: HASH });
        if (warm.status === "claimed") await store.complete(`warm_${key}`, warm.token);
        await store.release(`warm_${key}`, "nobody");
        calls.length = 0;
        const claim = await store.claim(key, { bodyHash: HASH });
        expect(calls).toHaveLength(1);
        if (claim.status !== "claimed") throw new Error(claim.status);
        await store.complete(key, claim.token);
        expect(calls).toHaveLength(2);
        expect(await store.claim(key, { bodyHash: HASH })).toEqual({ status: "completed" });
        expect(calls).toHaveLength(3);
        expect(calls.every((name) => name.toLowerCase() === "evalsha")).toBe(true);

        await nodeClients[1]!.scriptFlush();
        calls.length = 0;
        expect((await store.claim(`${key}_after_flush`, { bodyHash: HASH })).status).toBe("claimed");
        expect(calls.map((c) => c.toLowerCase())).toEqual(["evalsha", "eval"]);
        calls.length = 0;
        expect((await store.claim(`${key}_again`, { bodyHash: HASH })).status).toBe("claimed");
        expect(calls.map((c) => c.toLowerCase())).toEqual(["evalsha"]);
      }
    });
  });

  describe("two Node processes", () => {
    // Each child opens its own connections, waits for "go" on stdin, fires 50 claims
    // of one key and prints their statuses.
    const child = `
      const { createRedisStore } = await import(process.env.STORE_MODULE);
      const url = process.env.REDIS_URL;
      let clients;
      if (process.env.CLIENT_KIND === "node-redis") {
        const { createClient } = await import("redis");
        clients = await Promise.all(Array.from({ length: 5 }, () => createClient({ url }).connect()));
      } else {
        const { Redis } = await import("ioredis");
        clients = Array.from({ length: 5 }, () => new Redis(url));
        await Promise.all(clients.map((c) => c.ping()));
      }
      const stores = clients.map((client) => createRedisStore({ client, prefix: process.env.PREFIX, logger: {} }));
      process.stdout.write("ready\\n");
      await new Promise((resolve) => process.stdin.once("data", resolve));
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores[i % 5].claim(process.env.KEY, { bodyHash: "h" })),
      );
      process.stdout.write(JSON.stringify(results.map((r) => r.status)) + "\\n");
      await Promise.all(clients.map((c) => c.quit()));
      process.exit(0);
    `;

    function startChild(env: Record<string, string>) {
      const proc = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", child], {
        cwd: repoRoot,
        env: { ...process.env, ...env },
        stdio: ["pipe", "pipe", "inherit"],
      });
      let out = "";
      const ready = new Promise<void>((resolve, reject) => {
        proc.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("ready\n")) resolve();
        });
        proc.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
      });
      const result = new Promise<string[]>((resolve, reject) => {
        proc.on("exit", (code) => {
          if (code !== 0) return reject(new Error(`child exited with ${code}`));
          resolve(JSON.parse(out.slice(out.indexOf("ready\n") + 6)) as string[]);
        });
      });
      return { ready, result, go: () => proc.stdin.write("go\n") };
    }

    it.each(["node-redis", "ioredis"])("gives 100 concurrent claims from two processes (%s) exactly one winner", async (kind) => {
      const env = {
        STORE_MODULE: `${repoRoot}src/idempotency/redis.ts`,
        REDIS_URL: url!,
        CLIENT_KIND: kind,
        PREFIX: `${runPrefix}procs:`,
        KEY: `msg_procs_${kind}_${Date.now()}`,
      };
      const children = [startChild(env), startChild(env)];
      await Promise.all(children.map((c) => c.ready));
      children.forEach((c) => c.go());
      const statuses = (await Promise.all(children.map((c) => c.result))).flat();
      expect(statuses).toHaveLength(100);
      expect(statuses.filter((s) => s === "claimed")).toHaveLength(1);
      expect(statuses.filter((s) => s === "in-progress")).toHaveLength(99);
    });
  });

  describe("outages", () => {
    const expectUnavailableQuickly = async (run: () => Promise<unknown>, withinMs: number) => {
      const started = performance.now();
      const error = await run().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isWebhookError(error) && error.code).toBe("STORE_UNAVAILABLE");
      expect(performance.now() - started).toBeLessThan(withinMs);
      return error;
    };

    it("rejects with STORE_UNAVAILABLE at once when pointed at a closed port (fail-fast clients)", async () => {
      const port = await closedPort();
      const io = new Redis({ host: "127.0.0.1", port, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
      io.on("error", () => {});
      const node = createClient({ socket: { host: "127.0.0.1", port, reconnectStrategy: false }, disableOfflineQueue: true });
      node.on("error", () => {});
      await node.connect().catch(() => {});
      try {
        for (const client of [io, node] as RedisClientLike[]) {
          const store = createRedisStore({ client, logger: silentLogger });
          const error = await expectUnavailableQuickly(() => store.claim("msg_closed", { bodyHash: HASH }), 1000);
          expect((error as Error).cause).toBeInstanceOf(Error);
          expect((error as Error).message).toMatch(/retries/);
        }
      } finally {
        io.disconnect();
        if (node.isOpen) await node.destroy();
      }
    });

    it("says to connect a node-redis client that was never connected", async () => {
      const store = createRedisStore({ client: createClient({ url: url! }), logger: silentLogger });
      const error = await expectUnavailableQuickly(() => store.claim("msg_never", { bodyHash: HASH }), 1000);
      expect((error as Error).message).toMatch(/connect/);
    });

    it("gives up after timeoutMs when the client queues commands while offline, and the late claim only delays", async () => {
      const proxy = await startTcpProxy("127.0.0.1", Number(new URL(url!).port || 6379));
      const client = createClient({ socket: { host: "127.0.0.1", port: proxy.port, reconnectStrategy: () => 50 } });
      client.on("error", () => {});
      await client.connect();
      const store = createRedisStore({
        client,
        prefix: `${runPrefix}queued:`,
        timeoutMs: 300,
        leaseMs: 400,
        ttlMs: 5000,
        logger: silentLogger,
      });
      try {
        await proxy.stop();
        await expectUnavailableQuickly(() => store.claim("msg_queued", { bodyHash: HASH }), 1000);
        await proxy.start();
        await eventually(async () => expect((await store.claim("msg_after", { bodyHash: HASH })).status).toBe("claimed"));
        // The queued claim may have landed after the reconnect: then it is an orphan lease
        // that lapses, and the event is still processed once.
        await sleep(450);
        expect((await store.claim("msg_queued", { bodyHash: HASH })).status).toBe("claimed");
      } finally {
        await client.destroy();
        await proxy.stop();
      }
    });

    it.each(["node-redis", "ioredis"] as const)(
      "loses and doubles nothing when the connection drops mid-run and comes back (%s)",
      async (kind) => {
        const proxy = await startTcpProxy("127.0.0.1", Number(new URL(url!).port || 6379));
        let client: RedisClientLike;
        let close: () => Promise<unknown>;
        if (kind === "node-redis") {
          const c = createClient({ socket: { host: "127.0.0.1", port: proxy.port, reconnectStrategy: () => 50 }, disableOfflineQueue: true });
          c.on("error", () => {});
          await c.connect();
          client = c;
          close = async () => {
            c.destroy();
          };
        } else {
          const c = new Redis({ host: "127.0.0.1", port: proxy.port, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
          c.on("error", () => {});
          await new Promise((resolve) => c.once("ready", resolve));
          client = c;
          close = async () => c.disconnect();
        }
        const store = createRedisStore({ client, prefix: `${runPrefix}drop:${kind}:`, leaseMs: 300, ttlMs: 60_000, timeoutMs: 500, logger: silentLogger });
        try {
          const outcome = await simulateDeliveries(store, 150, async () => {
            await proxy.stop();
            await sleep(400);
            await proxy.start();
          });
          expect(outcome.unavailable).toBeGreaterThan(0);
          expect(outcome.unexpected).toEqual([]);
          for (const [key, runs] of outcome.handled) {
            expect(runs, key).toBeGreaterThanOrEqual(1);
            // A second run is only allowed when marking the first one completed failed (documented at-least-once edge).
            if (runs > 1) expect(outcome.completeFailed.has(key), key).toBe(true);
          }
          expect(outcome.handled.size).toBe(150);
        } finally {
          await close();
          await proxy.stop();
        }
      },
    );
  });

  it("rejects a client that is neither node-redis nor ioredis", () => {
    expect(() => createRedisStore({ client: {} as RedisClientLike })).toThrow(/node-redis|ioredis/);
  });
});

// The ordering simulator and the parking scenario on every durable store: SQLite (a file),
// Cloudflare D1 (workerd's real D1, through miniflare), Redis and PostgreSQL. The memory
// store runs them in ordering.test.ts and parking.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import pg from "pg";
import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import { listParked, replayParked } from "../../../src/api/parked.js";
import { createHandler } from "../../../src/handler/create-handler.js";
import { createD1Store, type D1DatabaseLike } from "../../../src/idempotency/d1.js";
import { createPostgresStore } from "../../../src/idempotency/postgres.js";
import { createRedisStore, type RedisClientLike } from "../../../src/idempotency/redis.js";
import { createSqliteStore } from "../../../src/idempotency/sqlite.js";
import type { IdempotencyStore } from "../../../src/idempotency/store.js";
import { sampleEvents } from "../../../src/events/samples.js";
import { silentLogger } from "../../../src/util/logger.js";
import { databaseUrl, redisUrl } from "../../helpers/services.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";
import { LIFECYCLES, permutations, simulate } from "./simulation.js";

const run = `${process.pid}_${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), "agentref-ordering-"));
const closers: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** How to open the same durable store twice (a restart), per backend. */
interface Backend {
  name: string;
  skip?: boolean;
  open(): Promise<IdempotencyStore>;
}

const pgUrl = databaseUrl();
const rUrl = redisUrl();
let mf: Miniflare | undefined;

const backends: Backend[] = [
  {
    name: "sqlite",
    open: async () => {
      const store = createSqliteStore({ path: join(dir, "ordering.db"), logger: silentLogger });
      closers.push(() => store.close());
      return store;
    },
  },
  {
    name: "d1 (workerd)",
    open: async () => {
      if (!mf) {
        mf = new Miniflare({ modules: true, script: "export default { fetch: () => new Response('') }", compatibilityDate: "2025-09-01", d1Databases: ["DB"] });
        closers.push(() => mf!.dispose());
      }
      const database = (await mf.getD1Database("DB")) as unknown as D1DatabaseLike;
      return createD1Store({ database: () => database, logger: silentLogger });
    },
  },
  {
    name: "redis",
    skip: rUrl === undefined,
    open: async () => {
      const client = createClient({ url: rUrl! });
      await client.connect();
      closers.push(async () => {
        for await (const keys of client.scanIterator({ MATCH: `ordering-test:${run}:*`, COUNT: 1000 })) if (keys.length) await client.unlink(keys);
        await client.quit();
      });
      return createRedisStore({ client: client as unknown as RedisClientLike, prefix: `ordering-test:${run}:`, logger: silentLogger });
    },
  },
  {
    name: "postgres",
    skip: pgUrl === undefined,
    open: async () => {
      const pool = new pg.Pool({ connectionString: pgUrl, max: 4 });
      const table = `agentref_ordering_${run}`;
      const store = createPostgresStore({ pool, table, logger: silentLogger });
      await store.migrate();
      closers.push(async () => {
        for (const suffix of ["", "_entities", "_parked"]) await pool.query(`DROP TABLE IF EXISTS "${table}${suffix}"`);
        await pool.end();
      });
      return store;
    },
  },
];

const orders = permutations([0, 1, 2, 3]);

for (const backend of backends) {
  describe.skipIf(backend.skip === true)(`ordering and parking on ${backend.name}`, () => {
    for (const kind of Object.keys(LIFECYCLES) as (keyof typeof LIFECYCLES)[]) {
      it(`${kind}: the four events in all 24 orders, with failures and retries: never regress, end in order, never overlap`, async () => {
        const store = await backend.open();
        for (const [i, order] of orders.entries()) {
          await simulate(store, kind, order, { seed: 7 + i, failRate: 0.25, run: `${backend.name.replace(/\W/g, "")}${i}` });
        }
      }, 120_000);
    }

    it("a delivery past the last retry is parked, survives a restart, and replays once after the fix", async () => {
      let fixed = false;
      const ran: string[] = [];
      const receiver = (store: IdempotencyStore) =>
        createHandler({
          secret: TEST_SECRET,
          store,
          parking: true,
          logger: silentLogger,
          on: {
            "payout.failed": (event) => {
              if (!fixed) throw new Error("still broken");
              ran.push(event.id);
            },
          },
        });
      const event = { ...sampleEvents["payout.failed"], id: `msg_parked_${run}_${backend.name.replace(/\W/g, "")}`, createdAt: new Date(Date.now() - 40 * 3_600_000).toISOString() };
      const body = JSON.stringify(event);
      const before = receiver(await backend.open());
      expect(await (await before(signedRequest({ body }))).json()).toMatchObject({ outcome: "parked" });

      // A restart: a new store object (new connection or file handle) and a new handler.
      const store = await backend.open();
      const after = receiver(store);
      expect((await listParked({ store })).map((p) => p.eventId)).toContain(event.id);
      fixed = true;
      const first = await replayParked({ store, secret: TEST_SECRET, to: after, filter: (p) => p.eventId === event.id });
      expect(first.replayed.map((d) => [d.outcome, d.unparked])).toEqual([["handled", true]]);
      // Parked twice (two receivers parked it) and replayed again: it runs once.
      await store.park!({ key: first.replayed[0]!.key, provider: "agentref", eventId: event.id, type: event.type, body, parkedAt: Date.now(), reason: "again" });
      const second = await replayParked({ store, secret: TEST_SECRET, to: after, filter: (p) => p.eventId === event.id });
      expect(second.replayed.map((d) => [d.outcome, d.unparked])).toEqual([["duplicate", true]]);
      expect(ran).toEqual([event.id]);
      expect((await listParked({ store })).map((p) => p.eventId)).not.toContain(event.id);
    }, 60_000);
  });
}

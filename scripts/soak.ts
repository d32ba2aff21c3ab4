// The soak (`npm run soak`, run by .ci/run): thousands of deliveries through two
// receiver instances sharing one idempotency store, with duplicates, concurrent
// retries, failing user handlers and a crash of the store's server in the middle,
// retried like AgentRef retries. At the end every event must have been handled
// successfully exactly once. Two phases: the Redis store (Redis crashed and
// restarted) and the PostgreSQL store (PostgreSQL crashed and restarted).
//
// It starts its own redis-server and PostgreSQL instance on free loopback ports in
// a temporary directory (so it never disturbs the shared services, and can kill
// them at will) and removes them afterwards. Needs `redis-server` on PATH and
// PostgreSQL's `initdb` / `pg_ctl` (on PATH or under /usr/lib/postgresql/*/bin);
// as root it runs PostgreSQL as the `postgres` user. When they are missing it
// skips, except under CI=true where that is a failure.
//
//   npm run soak                               # both phases, the issue's figures
//   npm run soak -- --phase redis              # or postgres
//   npm run soak -- --events 500 --deliveries 2500   # a quicker run
//   npm run soak -- --seed 42 --json soak.json       # reproducible plan, figures as JSON
//
// Exit code 0 only when, in every phase: no event lost, no event processed twice
// (other than the documented at-least-once window, counted separately), every
// non-2xx answer was retried, and no retry schedule was exhausted.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { createClient } from "redis";
import { Webhook } from "standardwebhooks";
import { createHandler } from "../src/handler/create-handler.js";
import type { HandlerContext } from "../src/handler/types.js";
import type { IdempotencyStore } from "../src/idempotency/store.js";
import { createPostgresStore } from "../src/idempotency/postgres.js";
import { createRedisStore } from "../src/idempotency/redis.js";
import { toNodeHandler } from "../src/adapters/node.js";
import { sampleEvents } from "../src/events/samples.js";
import { agentrefRetrySchedule } from "../src/providers/agentref.js";

// ---------------------------------------------------------------------------------
// Options

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  if (at >= 0 && process.argv[at + 1] !== undefined) return process.argv[at + 1]!;
  return process.env[`SOAK_${name.toUpperCase().replace(/-/g, "_")}`] ?? fallback;
}
const num = (name: string, fallback: number) => {
  const value = Number(option(name, String(fallback)));
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
};

const config = {
  events: num("events", 2_000),
  /** Planned deliveries (first deliveries + duplicates + redeliveries); retries come on top. */
  deliveries: num("deliveries", 10_000),
  /** Share of planned deliveries that are concurrent duplicates (fired together with another delivery of the event). */
  duplicateRate: num("duplicate-rate", 0.3),
  /** Share of handler runs that throw (before any side effect). */
  failRate: num("fail-rate", 0.1),
  /** Real milliseconds per virtual hour of AgentRef's retry schedule (46.3 h → about a minute). */
  msPerHour: num("ms-per-hour", 1_296),
  /** How long the store's server stays down. */
  outageMs: num("outage-ms", 1_500),
  concurrency: num("concurrency", 48),
  leaseMs: num("lease-ms", 3_000),
  seed: num("seed", Math.floor(Math.random() * 1e9)),
  phase: option("phase", "both"),
  json: option("json", ""),
  /**
   * Redis persistence: "always" (AOF, fsync on every write: what an idempotency store
   * needs) or "off" (no AOF, no snapshots: a negative control; a restart forgets every
   * record, so the soak must then report events processed twice).
   */
  redisPersistence: option("redis-persistence", "always"),
  /** Hard bound per phase. */
  phaseTimeoutMs: num("phase-timeout-ms", 240_000),
};
const SECRET = `whsec_${Buffer.from("agentref-webhooks-soak-secret-32").toString("base64")}`;
const schedule = agentrefRetrySchedule.map((ms) => Math.round((ms / 3_600_000) * config.msPerHour));

// ---------------------------------------------------------------------------------
// Small utilities

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** mulberry32: a seeded PRNG, so the plan (who is duplicated, who fails) is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function which(binary: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), ...extraDirs];
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ---------------------------------------------------------------------------------
// Services we own: a redis-server and a PostgreSQL instance, killable at will

interface Service {
  url: string;
  /** Kills the server without a chance to flush (SIGKILL / immediate shutdown). */
  crash(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function startRedis(dir: string): Promise<Service> {
  const binary = which("redis-server");
  if (!binary) throw new MissingService("redis-server is not on PATH");
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  // Durable like a production idempotency store must be: every acknowledged write is
  // fsynced to the append-only file, so a crash loses no completed record.
  const persistence = config.redisPersistence === "off" ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", "always"];
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence, "--dir", dir, "--logfile", path.join(dir, "redis.log")];
  const ping = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {});
    try {
      await client.connect();
      return (await client.ping()) === "PONG";
    } finally {
      client.disconnect();
    }
  };
  const service: Service = {
    url,
    async start() {
      child = spawn(binary, args, { stdio: "ignore" });
      await until("redis-server", ping);
    },
    async crash() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once("exit", resolve));
      c.kill("SIGKILL");
      await exited;
    },
    async stop() {
      await service.crash();
    },
  };
  await service.start();
  return service;
}

async function startPostgres(dir: string): Promise<Service> {
  const extra = fs.existsSync("/usr/lib/postgresql")
    ? fs.readdirSync("/usr/lib/postgresql").sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  const initdb = which("initdb", extra);
  const pgCtl = which("pg_ctl", extra);
  if (!initdb || !pgCtl) throw new MissingService("PostgreSQL's initdb / pg_ctl were not found");
  const port = await freePort();
  // initdb refuses to run as root: run PostgreSQL as the postgres user then.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
    return execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 }).toString();
  };
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  const data = path.join(dir, "data");
  run(initdb, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60 -c shared_buffers=32MB -c fsync=on -c synchronous_commit=on`;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const service: Service = {
    url,
    async start() {
      run(pgCtl, ["-D", data, "-o", options, "-l", path.join(dir, "postgres.log"), "-w", "-t", "60", "start"]);
    },
    async crash() {
      // An immediate shutdown is a crash: no checkpoint, WAL replay on the next start.
      run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
    },
    async stop() {
      try {
        run(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]);
      } catch {
        // already down
      }
    },
  };
  await service.start();
  return service;
}

class MissingService extends Error {}

// ---------------------------------------------------------------------------------
// The plan: which deliveries the sender makes

interface Send {
  event: number;
  kind: "first" | "concurrent-duplicate" | "redelivery";
}

function buildPlan(rand: () => number): Send[][] {
  const { events, deliveries, duplicateRate } = config;
  const concurrent = Math.round(deliveries * duplicateRate);
  const redeliveries = Math.max(0, deliveries - events - concurrent);
  // One group per event's first delivery; concurrent duplicates join a group and are
  // fired at the same instant; redeliveries come in their own groups, a little later.
  const groups: { key: number; sends: Send[] }[] = Array.from({ length: events }, (_, event) => ({ key: event, sends: [{ event, kind: "first" }] }));
  for (let i = 0; i < concurrent; i++) {
    const group = groups[Math.floor(rand() * events)]!;
    group.sends.push({ event: group.key, kind: "concurrent-duplicate" });
  }
  for (let i = 0; i < redeliveries; i++) {
    const event = Math.floor(rand() * events);
    groups.push({ key: event + 1 + rand() * Math.max(50, events * 0.15), sends: [{ event, kind: "redelivery" }] });
  }
  groups.sort((a, b) => a.key - b.key);
  return groups.map((g) => g.sends);
}

// ---------------------------------------------------------------------------------
// One phase

type StoreKind = "redis" | "postgres";

interface PhaseResult {
  store: StoreKind;
  fault: string;
  events: number;
  plannedDeliveries: number;
  plannedConcurrentDuplicates: number;
  plannedRedeliveries: number;
  httpDeliveries: number;
  retries: number;
  statuses: Record<string, number>;
  injectedHandlerFailures: number;
  handlerRuns: number;
  outage: { downMs: number; requestsDuringOutage: number; non2xxDuringOutage: number; non2xxDuringOutageRetried: number };
  non2xxTotal: number;
  non2xxRetried: number;
  exhaustedSchedules: number;
  eventsAcknowledged: number;
  eventsLost: number;
  eventsDoubleProcessed: number;
  atLeastOnceWindow: { completeFailed: number; leaseLapsed: number; rerunsExplained: number };
  ledgerMatchesInProcessCount: boolean;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  lastAcknowledgementAfterMs: number;
  wallMs: number;
  passed: boolean;
  problems: string[];
}

interface Ledger {
  apply(eventId: string): Promise<void>;
  counts(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

interface Receivers {
  stores: IdempotencyStore[];
  close(): Promise<void>;
}

async function runPhase(kind: StoreKind, redis: Service, postgres: Service, seed: number): Promise<PhaseResult> {
  const started = Date.now();
  const rand = prng(seed);
  const failRand = prng(seed ^ 0x9e3779b9);
  const tag = `${kind}_${seed.toString(36)}_${Date.now().toString(36)}`;
  const service = kind === "redis" ? redis : postgres;
  const problems: string[] = [];

  // -- The side-effect ledger lives on the service that is *not* crashed in this phase,
  //    so the count of effects can neither be lost nor be ambiguous.
  let ledger: Ledger;
  if (kind === "redis") {
    const pool = new pg.Pool({ connectionString: postgres.url, max: 8 });
    pool.on("error", () => {});
    await pool.query("CREATE TABLE IF NOT EXISTS soak_ledger (run text NOT NULL, event_id text NOT NULL, n int NOT NULL, PRIMARY KEY (run, event_id))");
    ledger = {
      apply: async (id) => {
        await pool.query("INSERT INTO soak_ledger (run, event_id, n) VALUES ($1, $2, 1) ON CONFLICT (run, event_id) DO UPDATE SET n = soak_ledger.n + 1", [tag, id]);
      },
      counts: async () => new Map((await pool.query("SELECT event_id, n FROM soak_ledger WHERE run = $1", [tag])).rows.map((r: { event_id: string; n: number }) => [r.event_id, r.n])),
      close: () => pool.end(),
    };
  } else {
    const client = createClient({ url: redis.url });
    client.on("error", () => {});
    await client.connect();
    ledger = {
      apply: async (id) => {
        await client.hIncrBy(`soak:ledger:${tag}`, id, 1);
      },
      counts: async () => new Map(Object.entries(await client.hGetAll(`soak:ledger:${tag}`)).map(([k, v]) => [k, Number(v)])),
      close: async () => {
        await client.quit();
      },
    };
  }

  // -- What happened, per event.
  const runs = new Map<string, number>();
  const successes = new Map<string, number>();
  const completeFailed = new Map<string, number>();
  const leaseLapsed = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let injected = 0;

  // The user's handler: fails 10 % of the time before any effect, else records the
  // effect in the ledger. Shared by both receiver instances, like one deployed app.
  const userHandler = async (_event: unknown, ctx: HandlerContext) => {
    bump(runs, ctx.eventId);
    if (failRand() < config.failRate) {
      injected++;
      throw new Error("injected failure");
    }
    await ledger.apply(ctx.eventId);
    bump(successes, ctx.eventId);
  };

  /** Records complete() failures: the documented at-least-once window. */
  const observed = (inner: IdempotencyStore): IdempotencyStore => ({
    settings: inner.settings,
    claim: (key, o) => inner.claim(key, o),
    release: (key, token) => inner.release(key, token),
    renew: (key, token) => inner.renew(key, token),
    complete: async (key, token) => {
      // keys are `<provider>:<tenant>:<event id>`
      const id = key.slice(key.lastIndexOf(":") + 1);
      try {
        const done = await inner.complete(key, token);
        if (!done) bump(leaseLapsed, id);
        return done;
      } catch (error) {
        bump(completeFailed, id);
        throw error;
      }
    },
  });

  // -- Two receiver instances, each with its own connection to the shared store.
  let receivers: Receivers;
  if (kind === "redis") {
    const nodeRedis = createClient({ url: redis.url, disableOfflineQueue: true, socket: { connectTimeout: 1_000, reconnectStrategy: (n: number) => Math.min(25 * (n + 1), 250) } });
    nodeRedis.on("error", () => {});
    await nodeRedis.connect();
    const ioredis = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1_000, retryStrategy: (n: number) => Math.min(25 * n, 250) });
    ioredis.on("error", () => {});
    await until("ioredis ready", async () => ioredis.status === "ready");
    const prefix = `soak:${tag}:`;
    const settings = { leaseMs: config.leaseMs, timeoutMs: 1_000, prefix };
    receivers = {
      stores: [observed(createRedisStore({ client: nodeRedis, ...settings })), observed(createRedisStore({ client: ioredis, ...settings }))],
      close: async () => {
        await nodeRedis.disconnect().catch(() => {});
        ioredis.disconnect();
      },
    };
  } else {
    const pools = [0, 1].map(() => {
      const pool = new pg.Pool({ connectionString: postgres.url, max: 12, connectionTimeoutMillis: 1_000, idleTimeoutMillis: 5_000 });
      pool.on("error", () => {});
      return pool;
    });
    const table = `soak_idem_${tag}`.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 60);
    const stores = pools.map((pool) => createPostgresStore({ pool, table, leaseMs: config.leaseMs, timeoutMs: 2_000 }));
    await stores[0]!.migrate();
    receivers = { stores: stores.map(observed), close: async () => void (await Promise.all(pools.map((p) => p.end().catch(() => {})))) };
  }

  const on = Object.fromEntries(Object.keys(sampleEvents).map((type) => [type, userHandler]));
  const servers = await Promise.all(
    receivers.stores.map(async (store) => {
      const handler = createHandler({ secret: SECRET, store, on, logger: {} });
      const server = http.createServer(toNodeHandler(handler) as unknown as http.RequestListener);
      server.keepAliveTimeout = 10_000;
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return { server, port: (server.address() as AddressInfo).port };
    }),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency });

  // -- The sender.
  const bodies = Array.from({ length: config.events }, (_, i) => {
    const types = Object.keys(sampleEvents) as (keyof typeof sampleEvents)[];
    return JSON.stringify({ ...sampleEvents[types[i % types.length]!], id: `msg_soak_${tag}_${i}` });
  });
  const idOf = (event: number) => `msg_soak_${tag}_${event}`;
  const webhook = new Webhook(SECRET);
  const statuses = new Map<string, number>();
  const latencies: number[] = [];
  const acknowledged = new Set<number>();
  let http2xxLast = 0;
  let httpDeliveries = 0;
  let retries = 0;
  let non2xxTotal = 0;
  let non2xxRetried = 0;
  let exhausted = 0;
  let requestsDuringOutage = 0;
  let non2xxDuringOutage = 0;
  let non2xxDuringOutageRetried = 0;
  const outage = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY };
  const inOutage = (t: number) => t >= outage.from && t <= outage.to;

  let inFlight = 0;
  const waiters: (() => void)[] = [];
  const acquire = async () => {
    while (inFlight >= config.concurrency) await new Promise<void>((resolve) => waiters.push(resolve));
    inFlight++;
  };
  const releaseSlot = () => {
    inFlight--;
    waiters.shift()?.();
  };

  /** One HTTP attempt with a fresh signature and timestamp; a network error or timeout counts as status 0. */
  const attempt = async (event: number): Promise<{ status: number; label: string; at: number }> => {
    await acquire();
    const at = Date.now();
    try {
      const body = bodies[event]!;
      const id = idOf(event);
      const headers = {
        "content-type": "application/json",
        "svix-id": id,
        "svix-timestamp": String(Math.floor(Date.now() / 1000)),
        "svix-signature": webhook.sign(id, new Date(), body),
        "content-length": String(Buffer.byteLength(body)),
      };
      const port = servers[Math.floor(rand() * servers.length)]!.port;
      httpDeliveries++;
      return await new Promise((resolve) => {
        const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/webhooks/agentref", headers, agent, timeout: 10_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            let label = String(res.statusCode);
            try {
              const json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { outcome?: string; code?: string };
              label = `${res.statusCode} ${json.outcome ?? json.code ?? ""}`.trim();
            } catch {
              // not JSON
            }
            latencies.push(Date.now() - at);
            resolve({ status: res.statusCode ?? 0, label, at });
          });
          res.on("error", () => resolve({ status: 0, label: "0 response error", at }));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", (error) => resolve({ status: 0, label: `0 ${(error as NodeJS.ErrnoException).code ?? error.message}`, at }));
        req.end(body);
      });
    } finally {
      releaseSlot();
    }
  };

  /** One message: attempts on AgentRef's schedule (compressed) until a 2xx or the schedule runs out. */
  const stream = async (event: number): Promise<void> => {
    for (let i = 0; i < schedule.length; i++) {
      if (i > 0) {
        retries++;
        await sleep(schedule[i]!);
      }
      const answer = await attempt(event);
      statuses.set(answer.label, (statuses.get(answer.label) ?? 0) + 1);
      if (inOutage(answer.at)) requestsDuringOutage++;
      if (answer.status >= 200 && answer.status < 300) {
        acknowledged.add(event);
        http2xxLast = Math.max(http2xxLast, Date.now());
        return;
      }
      non2xxTotal++;
      const duringOutage = inOutage(answer.at);
      if (duringOutage) non2xxDuringOutage++;
      if (i + 1 < schedule.length) {
        // This non-2xx is followed by a retry (the next loop iteration sends it).
        non2xxRetried++;
        if (duringOutage) non2xxDuringOutageRetried++;
      } else {
        exhausted++;
      }
    }
  };

  const plan = buildPlan(rand);
  const planned = plan.flat();
  const streams: Promise<void>[] = [];
  let fault: Promise<void> | undefined;
  const deadline = started + config.phaseTimeoutMs;
  for (const [index, group] of plan.entries()) {
    if (Date.now() > deadline) throw new Error(`phase ${kind}: the dispatch did not finish within ${config.phaseTimeoutMs} ms`);
    await acquire();
    releaseSlot();
    for (const send of group) streams.push(stream(send.event));
    if (index === Math.floor(plan.length / 2)) {
      fault = (async () => {
        outage.from = Date.now();
        await service.crash();
        await sleep(config.outageMs);
        await service.start();
        outage.to = Date.now();
      })();
    }
  }
  await fault;
  const all = Promise.all(streams);
  const timedOut = await Promise.race([all.then(() => false), sleep(Math.max(1_000, deadline - Date.now())).then(() => true)]);
  if (timedOut) problems.push(`not every delivery finished within ${config.phaseTimeoutMs} ms`);

  // -- Verdict, from the ledger (durable) and the in-process counters.
  const ledgerCounts = await ledger.counts();
  let lost = 0;
  let doubled = 0;
  let explained = 0;
  let ledgerMatches = true;
  for (let event = 0; event < config.events; event++) {
    const id = idOf(event);
    const effects = ledgerCounts.get(id) ?? 0;
    if (effects !== (successes.get(id) ?? 0)) ledgerMatches = false;
    if (effects === 0) lost++;
    if (effects > 1) {
      // The documented at-least-once window: the handler succeeded, then complete() failed
      // (store down) or the lease lapsed; the retry re-ran it after the lease.
      const window = (completeFailed.get(id) ?? 0) + (leaseLapsed.get(id) ?? 0);
      if (window >= effects - 1) explained += effects - 1;
      else doubled++;
    }
  }
  const totalRuns = [...runs.values()].reduce((a, b) => a + b, 0);
  if (lost > 0) problems.push(`${lost} events lost`);
  if (doubled > 0) problems.push(`${doubled} events processed more than once outside the at-least-once window`);
  if (exhausted > 0) problems.push(`${exhausted} messages exhausted their 9 attempts`);
  if (non2xxRetried + exhausted !== non2xxTotal) problems.push("a non-2xx answer was not retried");
  if (acknowledged.size !== config.events) problems.push(`${config.events - acknowledged.size} events never acknowledged with a 2xx`);
  if (!ledgerMatches) problems.push("the ledger and the in-process success counts disagree");
  if (!Number.isFinite(outage.to)) problems.push("the fault was not injected");

  await new Promise<void>((resolve) => {
    agent.destroy();
    let open = servers.length;
    for (const { server } of servers) {
      server.closeAllConnections();
      server.close(() => --open === 0 && resolve());
    }
  });
  await receivers.close();
  await ledger.close();

  const sorted = latencies.sort((a, b) => a - b);
  return {
    store: kind,
    fault: kind === "redis"
      ? `redis-server SIGKILLed, down for the outage, restarted (${config.redisPersistence === "off" ? "NO persistence: every record forgotten" : "AOF, appendfsync always"})`
      : "PostgreSQL stopped with -m immediate (a crash), down for the outage, restarted (WAL recovery)",
    events: config.events,
    plannedDeliveries: planned.length,
    plannedConcurrentDuplicates: planned.filter((s) => s.kind === "concurrent-duplicate").length,
    plannedRedeliveries: planned.filter((s) => s.kind === "redelivery").length,
    httpDeliveries,
    retries,
    statuses: Object.fromEntries([...statuses.entries()].sort((a, b) => b[1] - a[1])),
    injectedHandlerFailures: injected,
    handlerRuns: totalRuns,
    outage: {
      downMs: Number.isFinite(outage.to) ? outage.to - outage.from : 0,
      requestsDuringOutage,
      non2xxDuringOutage,
      non2xxDuringOutageRetried,
    },
    non2xxTotal,
    non2xxRetried,
    exhaustedSchedules: exhausted,
    eventsAcknowledged: acknowledged.size,
    eventsLost: lost,
    eventsDoubleProcessed: doubled,
    atLeastOnceWindow: {
      completeFailed: [...completeFailed.values()].reduce((a, b) => a + b, 0),
      leaseLapsed: [...leaseLapsed.values()].reduce((a, b) => a + b, 0),
      rerunsExplained: explained,
    },
    ledgerMatchesInProcessCount: ledgerMatches,
    latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? 0 },
    lastAcknowledgementAfterMs: http2xxLast - started,
    wallMs: Date.now() - started,
    passed: problems.length === 0,
    problems,
  };
}

// ---------------------------------------------------------------------------------
// Report

function report(result: PhaseResult): string {
  const lines = [
    `## ${result.store} store: ${result.passed ? "PASSED" : "FAILED"}`,
    `fault: ${result.fault}; down ${result.outage.downMs} ms`,
    `events ${result.events}; planned deliveries ${result.plannedDeliveries} (${result.plannedConcurrentDuplicates} concurrent duplicates, ${result.plannedRedeliveries} redeliveries); HTTP deliveries ${result.httpDeliveries} (of which retries ${result.retries})`,
    `handler runs ${result.handlerRuns}; injected handler failures ${result.injectedHandlerFailures}`,
    `during the outage: ${result.outage.requestsDuringOutage} requests, ${result.outage.non2xxDuringOutage} non-2xx, ${result.outage.non2xxDuringOutageRetried} of them retried`,
    `non-2xx in all ${result.non2xxTotal}, retried ${result.non2xxRetried}; exhausted schedules ${result.exhaustedSchedules}`,
    `acknowledged ${result.eventsAcknowledged}/${result.events}; LOST ${result.eventsLost}; DOUBLE-PROCESSED ${result.eventsDoubleProcessed}`,
    `at-least-once window: complete() failed ${result.atLeastOnceWindow.completeFailed}, lease lapsed ${result.atLeastOnceWindow.leaseLapsed}, re-runs explained by it ${result.atLeastOnceWindow.rerunsExplained}`,
    `ledger matches in-process count: ${result.ledgerMatchesInProcessCount}`,
    `latency ms p50 ${result.latencyMs.p50}, p95 ${result.latencyMs.p95}, p99 ${result.latencyMs.p99}, max ${result.latencyMs.max}; last 2xx after ${result.lastAcknowledgementAfterMs} ms; wall ${result.wallMs} ms`,
    `statuses: ${Object.entries(result.statuses).map(([k, v]) => `${k}: ${v}`).join(", ")}`,
  ];
  if (result.problems.length > 0) lines.push(`PROBLEMS: ${result.problems.join("; ")}`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const phases: StoreKind[] = config.phase === "both" ? ["redis", "postgres"] : [config.phase as StoreKind];
  if (!phases.every((p) => p === "redis" || p === "postgres")) throw new Error(`--phase must be redis, postgres or both`);
  if (!["always", "off"].includes(config.redisPersistence)) throw new Error(`--redis-persistence must be always or off`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agentref-soak-"));
  fs.chmodSync(dir, 0o755);
  const redisDir = fs.mkdtempSync(path.join(dir, "redis-"));
  const pgDir = fs.mkdtempSync(path.join(dir, "pg-"));
  const services: Service[] = [];
  const cleanup = async () => {
    for (const s of services.splice(0)) await s.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  console.log(
    `soak: seed ${config.seed}; ${config.events} events, ${config.deliveries} planned deliveries, ${config.duplicateRate * 100} % concurrent duplicates, ` +
      `${config.failRate * 100} % handler failures; retry schedule (ms) ${schedule.join(", ")}; lease ${config.leaseMs} ms; outage ${config.outageMs} ms`,
  );
  const started = Date.now();
  const results: PhaseResult[] = [];
  try {
    let redis: Service;
    let postgres: Service;
    try {
      redis = await startRedis(redisDir);
      services.push(redis);
      postgres = await startPostgres(pgDir);
      services.push(postgres);
    } catch (error) {
      if (error instanceof MissingService) {
        if (process.env.CI) {
          console.error(`soak: ${error.message} (CI is set, so this fails instead of skipping)`);
          return 1;
        }
        console.warn(`[skip] soak: ${error.message}`);
        return 0;
      }
      throw error;
    }
    for (const [i, phase] of phases.entries()) {
      const result = await runPhase(phase, redis, postgres, config.seed + i);
      results.push(result);
      console.log(`\n${report(result)}`);
    }
  } finally {
    await cleanup();
  }
  const total = Date.now() - started;
  console.log(`\nsoak: ${results.every((r) => r.passed) ? "PASSED" : "FAILED"} in ${(total / 1000).toFixed(1)} s (seed ${config.seed})`);
  if (config.json) {
    fs.writeFileSync(config.json, `${JSON.stringify({ when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, config, totalWallMs: total, phases: results }, null, 2)}\n`);
    console.log(`figures written to ${config.json}`);
  }
  return results.every((r) => r.passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("soak: crashed:", error);
    process.exit(1);
  },
);

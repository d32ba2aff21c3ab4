// Setups that survive outages as written: the README's Redis, PostgreSQL and queue-mode
// snippets (docs/snippets/*, the same text as the README's code blocks) run in a receiver
// child process behind toNodeHandler on node:http, against a redis-server / PostgreSQL
// that this test starts itself on free loopback ports. Signed deliveries keep coming
// while the server is killed and restarted. The receiver must answer 503 with
// Retry-After while the server is down, never exit and never hang, answer 2xx again
// once the server is back, and every event must end up handled: once, or again only after a
// run whose answer told the sender to retry (the documented at-least-once window), never
// after one it acknowledged, late duplicates included.
// The README's former setup (no error listener) must make its process exit. The queue
// example app (examples/queue/receiver.ts) goes through the same outage.
//
// Needs redis-server and PostgreSQL's initdb / pg_ctl (see test/helpers/own-services.ts);
// without them the tests are skipped, except under CI=true, where that is a failure.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { sampleEvents } from "../../src/events/samples.js";
import { MissingService, sleep, startPostgres, startRedis, type OwnService } from "../helpers/own-services.js";
import { signDelivery, TEST_SECRET } from "../helpers/sign.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/outage-receiver.ts", import.meta.url));

/** No answer may take longer than this (the stores' and the queue's own timeout is 5 s). */
const ANSWER_BOUND_MS = 6_000;
/** How long the server stays down. */
const OUTAGE_MS = 3_000;

let dir: string;
const services: OwnService[] = [];
const receivers: Receiver[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "agentref-outages-"));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
});

afterAll(async () => {
  for (const receiver of receivers.splice(0)) await receiver.stop();
  for (const service of services.splice(0)) await service.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts one of our own servers; skips the test when its binary is missing, except under CI. */
async function own(start: (dir: string) => Promise<OwnService>, ctx: TestContext): Promise<OwnService> {
  try {
    const service = await start(fs.mkdtempSync(path.join(dir, "svc-")));
    services.push(service);
    return service;
  } catch (error) {
    if (!(error instanceof MissingService)) throw error;
    if (process.env["CI"]) throw new Error(`${error.message} (CI is set, so this fails instead of skipping)`);
    console.warn(`[skip] outages: ${error.message}`);
    ctx.skip();
    throw error;
  }
}

// ---------------------------------------------------------------------------------
// The receiver child process

interface Receiver {
  port: number;
  /** Every request whose handler ran, with the status it was answered. */
  runs: { id: string; status: number }[];
  /** Resolves with the exit when it happens within `ms`, else with undefined. */
  exitWithin(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>;
  exited(): boolean;
  stderr(): string;
  /** Resolves once every message the child sent before has arrived. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

async function startReceiver(mode: string, url: string): Promise<Receiver> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, mode, url], {
    cwd: root,
    env: { ...process.env, AGENTREF_WEBHOOK_SECRET: TEST_SECRET },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<NonNullable<typeof exit>>((resolve) =>
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  const runs: Receiver["runs"] = [];
  const flushed: (() => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver ${mode} not ready within 30 s: ${stderr}`)), 30_000);
    child.on("message", (message: { ready?: number; ran?: string; status?: number; flushed?: boolean }) => {
      if (typeof message.ready === "number") {
        clearTimeout(timer);
        resolve(message.ready);
      } else if (typeof message.ran === "string") runs.push({ id: message.ran, status: message.status ?? 0 });
      else if (message.flushed) flushed.shift()?.();
    });
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`receiver ${mode} exited (${JSON.stringify(e)}) before it was ready: ${stderr}`));
    });
  });
  const receiver: Receiver = {
    port,
    runs,
    exitWithin: (ms) => Promise.race([exited, sleep(ms).then(() => undefined)]),
    exited: () => exit !== undefined,
    stderr: () => stderr,
    flush: () =>
      new Promise<void>((resolve, reject) => {
        flushed.push(resolve);
        child.send("flush", (error) => error && reject(error));
      }),
    async stop() {
      if (exit) return;
      child.kill("SIGTERM");
      if (!(await receiver.exitWithin(3_000))) child.kill("SIGKILL");
      await exited;
    },
  };
  receivers.push(receiver);
  return receiver;
}

// ---------------------------------------------------------------------------------
// The sender

interface Answer {
  event: number;
  status: number;
  code: string | undefined;
  retryAfter: string | undefined;
  startedAt: number;
  endedAt: number;
}

type Reply = Pick<Answer, "status" | "code" | "retryAfter">;

/** One signed POST (fresh timestamp and signature); a network error or no answer is status 0. */
function post(port: number, agent: http.Agent, body: string): Promise<Reply> {
  const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...signDelivery({ body }) };
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/webhooks/agentref", headers, agent, timeout: ANSWER_BOUND_MS + 4_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let code: string | undefined;
        try {
          const json = JSON.parse(text) as { code?: string; outcome?: string };
          code = json.code ?? json.outcome;
        } catch {
          code = undefined;
        }
        const retryAfter = res.headers["retry-after"];
        resolve({ status: res.statusCode ?? 0, code, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter });
      });
      res.on("error", (error) => resolve({ status: 0, code: error.message, retryAfter: undefined }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer in time")));
    req.on("error", (error) => resolve({ status: 0, code: error.message, retryAfter: undefined }));
    req.end(body);
  });
}

/**
 * Delivers `bodies` with `concurrency` requests in flight, continuously: a delivery that is
 * not answered `expected` goes back to the end of the line and is sent again (a fresh
 * signature each time), until every event is acknowledged or `deadline` passes.
 */
function traffic(port: number, bodies: string[], expected: number, deadline: number, concurrency = 4) {
  const answers: Answer[] = [];
  const acknowledged = new Set<number>();
  const pending = bodies.map((_, i) => i);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const stream = async () => {
    while (acknowledged.size < bodies.length && Date.now() < deadline && answers.length < 20_000) {
      const event = pending.shift();
      if (event === undefined) {
        await sleep(10); // the rest are in flight in other streams
        continue;
      }
      const startedAt = Date.now();
      const reply = await post(port, agent, bodies[event]!);
      answers.push({ ...reply, event, startedAt, endedAt: Date.now() });
      if (reply.status === expected) acknowledged.add(event);
      else {
        pending.push(event);
        await sleep(25);
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, stream)).finally(() => agent.destroy());
  return { answers, acknowledged, done };
}

/** Sends every body once more (a late duplicate of each event, as senders do); the statuses in order. */
async function redeliverAll(port: number, bodies: string[], concurrency = 4): Promise<Reply[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const replies: Reply[] = [];
  let next = 0;
  const stream = async () => {
    for (let i = next++; i < bodies.length; i = next++) replies[i] = await post(port, agent, bodies[i]!);
  };
  await Promise.all(Array.from({ length: concurrency }, stream)).finally(() => agent.destroy());
  return replies;
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

const types = Object.keys(sampleEvents) as (keyof typeof sampleEvents)[];
const eventBodies = (label: string, count: number) =>
  Array.from({ length: count }, (_, i) => JSON.stringify({ ...sampleEvents[types[i % types.length]!], id: `msg_outage_${label}_${i}` }));

/**
 * Traffic through `receiver`, `service` crashed once some events are acknowledged and
 * restarted after OUTAGE_MS. Checks what a sender sees; returns the answers for more checks.
 */
async function throughAnOutage(receiver: Receiver, service: OwnService, bodies: string[], expected: number) {
  const run = traffic(receiver.port, bodies, expected, Date.now() + 30_000);
  await waitFor("first acknowledgements", () => run.acknowledged.size >= 20, 10_000);

  await service.crash();
  const down = Date.now();
  await sleep(OUTAGE_MS);
  const restarting = Date.now();
  await service.start();
  const up = Date.now();
  await run.done;

  const duringOutage = run.answers.filter((a) => a.startedAt >= down && a.endedAt <= restarting);
  const slowest = run.answers.reduce((max, a) => Math.max(max, a.endedAt - a.startedAt), 0);
  const tally = (answers: Answer[]) => {
    const counts: Record<string, number> = {};
    for (const a of answers) counts[`${a.status} ${a.code ?? ""}`.trim()] = (counts[`${a.status} ${a.code ?? ""}`.trim()] ?? 0) + 1;
    return counts;
  };
  const why = (what: string) =>
    `${what} (down at +0, restart at +${restarting - down} ms, up at +${up - down} ms; answers during the outage ` +
    `${JSON.stringify(tally(duringOutage))}, in all ${JSON.stringify(tally(run.answers))}; slowest ${slowest} ms; ` +
    `receiver stderr: ${receiver.stderr().slice(-800)})`;

  // The process is still there, and answered every request within the bound.
  expect(receiver.exited(), why("the receiver exited")).toBe(false);
  expect(run.answers.filter((a) => a.status === 0), why("requests without an answer")).toEqual([]);
  expect(slowest, why("an answer took too long")).toBeLessThanOrEqual(ANSWER_BOUND_MS);
  // Requests in flight when the server died were answered while it was still down, not held
  // until it came back.
  expect(
    run.answers.filter((a) => a.startedAt <= down && a.endedAt > restarting).map((a) => ({ ...a, startedAt: a.startedAt - down, endedAt: a.endedAt - down })),
    why("requests in flight at the crash were held until the restart"),
  ).toEqual([]);
  // While the server was down: 503 with a Retry-After in seconds, every time.
  expect(duringOutage.length, why("too few answers during the outage")).toBeGreaterThanOrEqual(10);
  expect(
    duringOutage.filter((a) => a.status !== 503 || !/^[1-9]\d*$/.test(a.retryAfter ?? "")),
    why("answers during the outage other than 503 with Retry-After"),
  ).toEqual([]);
  // Once it was back: acknowledged again, and in the end every event.
  expect(run.answers.filter((a) => a.startedAt >= restarting && a.status === expected).length, why("no acknowledgement after the restart")).toBeGreaterThan(0);
  expect(run.acknowledged.size, why("events never acknowledged")).toBe(bodies.length);
  // A late duplicate of every event is recognised: the records written before the crash survived it.
  const late = await redeliverAll(receiver.port, bodies);
  expect(late.filter((r) => r.status !== expected), why("late duplicates not acknowledged")).toEqual([]);
  return { ...run, duringOutage, slowest };
}

/**
 * Every event's handler ran, and ran again only after a run whose answer told the sender to
 * retry: the documented at-least-once window (the handler succeeded, then marking the event
 * completed failed, so the answer was 503). Returns how many such re-runs there were.
 */
async function expectHandledOnce(receiver: Receiver, bodies: string[]) {
  await receiver.flush();
  const wrong: string[] = [];
  let reruns = 0;
  for (const body of bodies) {
    const id = (JSON.parse(body) as { id: string }).id;
    const runs = receiver.runs.filter((r) => r.id === id); // in the order they were answered
    const acknowledgedBeforeLast = runs.slice(0, -1).some((r) => r.status >= 200 && r.status < 300);
    if (runs.length === 0 || acknowledgedBeforeLast) wrong.push(`${id}: ${JSON.stringify(runs)}`);
    reruns += Math.max(0, runs.length - 1);
  }
  expect(wrong).toEqual([]);
  return reruns;
}

/** A queue-mode receiver through an outage: 202 again afterwards, and exactly one job per event. */
async function queueThroughAnOutage(mode: string, queueName: string, count: number, ctx: TestContext) {
  const redis = await own((d) => startRedis(d), ctx);
  const receiver = await startReceiver(mode, redis.url);
  const bodies = eventBodies(mode, count);

  const { duringOutage, slowest } = await throughAnOutage(receiver, redis, bodies, 202);

  // Exactly one job per event (the job id is derived from the event id).
  const queue = new Queue(queueName, { connection: { url: redis.url } });
  queue.on("error", () => {});
  try {
    const jobs = await queue.getJobs(["waiting", "prioritized", "delayed", "paused"], 0, -1);
    const ids = jobs.map((job) => (JSON.parse((job.data as { body: string }).body) as { id: string }).id).sort();
    expect(ids).toEqual(bodies.map((b) => (JSON.parse(b) as { id: string }).id).sort());
  } finally {
    await queue.close();
  }
  console.log(`outages/${mode}: ${duringOutage.length} answers while down (all 503 + Retry-After), slowest answer ${slowest} ms`);
}

// ---------------------------------------------------------------------------------

describe("setups that survive outages as written (docs/snippets, the README's code blocks)", () => {
  it("Redis store (docs/snippets/redis-store.ts): SIGKILL and restart of redis-server mid-traffic", { timeout: 50_000 }, async (ctx) => {
    const redis = await own((d) => startRedis(d), ctx);
    const [receiver, unguarded] = await Promise.all([startReceiver("redis", redis.url), startReceiver("redis-unguarded", redis.url)]);
    const bodies = eventBodies("redis", 80);

    const run = throughAnOutage(receiver, redis, bodies, 200);
    run.catch(() => {}); // awaited below
    // Without an "error" listener (the README's former snippet), the first lost connection ends the process.
    expect(await unguarded.exitWithin(OUTAGE_MS + 3_000)).toEqual({ code: 1, signal: null });
    const { duringOutage, slowest } = await run;

    const reruns = await expectHandledOnce(receiver, bodies);
    console.log(`outages/redis: ${duringOutage.length} answers while down (all 503 + Retry-After), slowest answer ${slowest} ms, re-runs in the at-least-once window ${reruns}`);
  });

  it("PostgreSQL store (docs/snippets/postgres-store.ts): immediate shutdown and restart mid-traffic", { timeout: 50_000 }, async (ctx) => {
    const postgres = await own((d) => startPostgres(d), ctx);
    const [receiver, unguarded] = await Promise.all([startReceiver("postgres", postgres.url), startReceiver("postgres-unguarded", postgres.url)]);
    const bodies = eventBodies("postgres", 80);

    const run = throughAnOutage(receiver, postgres, bodies, 200);
    run.catch(() => {}); // awaited below
    // Without pool.on("error"), the terminated idle connection ends the process.
    expect(await unguarded.exitWithin(OUTAGE_MS + 3_000)).toEqual({ code: 1, signal: null });
    const { duringOutage, slowest } = await run;

    const reruns = await expectHandledOnce(receiver, bodies);
    console.log(`outages/postgres: ${duringOutage.length} answers while down (all 503 + Retry-After), slowest answer ${slowest} ms, re-runs in the at-least-once window ${reruns}`);
  });

  it("queue mode (docs/snippets/queue-receiver.ts): SIGKILL and restart of redis-server mid-traffic", { timeout: 50_000 }, async (ctx) => {
    await queueThroughAnOutage("queue", "agentref-webhooks", 80, ctx);
  });

  it("the queue example (examples/queue/receiver.ts): SIGKILL and restart of redis-server mid-traffic", { timeout: 50_000 }, async (ctx) => {
    await queueThroughAnOutage("queue-example", "agentref-webhooks-example", 40, ctx);
  });
});

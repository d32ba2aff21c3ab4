import { createHmac, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { silentLogger } from "../src/util/logger.js";
import { createHandler } from "../src/handler/create-handler.js";
import type { WebhookHandler } from "../src/handler/types.js";
import { createMemoryStore } from "../src/idempotency/memory.js";
import { createRedisStore } from "../src/idempotency/redis.js";
import { bullmqEnqueue } from "../src/queue/bullmq.js";
import type { BenchCase, BenchSection, Candidate } from "./harness.js";
import { sampleEvents } from "../src/events/samples.js";

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const KEY = Buffer.from(SECRET.slice("whsec_".length), "base64");
// Keys expire a minute after the run; 60 s is knowingly below the 47 h a real store needs.
const STORE_SETTINGS = { ttlMs: 60_000, leaseMs: 10_000, logger: silentLogger };

/**
 * One mode's numbers: deliveries accepted per second with `concurrency` in flight,
 * latency of one delivery at a time, and Redis commands per delivery.
 *
 * @example
 * const rows: QueueBenchRow[] = await queueModeSection();
 */
export interface QueueBenchRow {
  mode: string;
  deliveriesPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Redis commands sent per accepted delivery. */
  commands?: number;
  note?: string;
}

/**
 * Options of {@link queueModeSection}.
 *
 * @example
 * await queueModeSection({ deliveries: 1_000, concurrency: 16 });
 */
export interface QueueBenchOptions {
  /** Deliveries timed one at a time per mode. Default 2,000. */
  deliveries?: number;
  /** Deliveries in flight at once for the throughput figure. Default 32. */
  concurrency?: number;
  /** Length of the throughput run per mode, ms. Default 1,500. */
  throughputMs?: number;
}

// A conversion.created delivery with a fresh id each time, signed like AgentRef signs it
// (the signing is the sender's work, but it is the same for every mode).
let sequence = 0;
const run = randomUUID().slice(0, 8);
function delivery(): Request {
  const id = `msg_bench_${run}_${sequence++}`;
  const body = JSON.stringify({ ...sampleEvents["conversion.created"], id });
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v1,${createHmac("sha256", KEY).update(`${id}.${ts}.${body}`).digest("base64")}`;
  return new Request("http://localhost/webhooks/agentref", {
    method: "POST",
    headers: { "content-type": "application/json", "svix-id": id, "svix-timestamp": ts, "svix-signature": signature },
    body,
  });
}

interface Mode {
  name: string;
  handler: WebhookHandler;
  /** The status a delivery must get. */
  expect: number;
  commands: () => number;
}

interface Opened {
  modes: Mode[];
  skipped: QueueBenchRow[];
  /** The Redis clients behind the modes. */
  clients: Redis[];
  close(): Promise<void>;
}

/** An ioredis client whose commands are counted (BullMQ and the store both go through sendCommand). */
async function countedClient(): Promise<{ client: Redis; count: () => number }> {
  const client = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  client.on("error", () => {});
  await client.connect();
  let commands = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<Redis["sendCommand"]>) => {
    commands++;
    return send(...args);
  }) as Redis["sendCommand"];
  return { client, count: () => commands };
}

async function openModes(): Promise<Opened> {
  const noop = { "conversion.created": () => {} };
  const modes: Mode[] = [
    {
      name: "inline, memory store",
      handler: createHandler({ secret: SECRET, logger: silentLogger, store: createMemoryStore({ ...STORE_SETTINGS, maxEntries: 1_000_000 }), on: noop }),
      expect: 200,
      commands: () => 0,
    },
  ];
  const closers: (() => Promise<unknown>)[] = [];
  const clients: Redis[] = [];
  const close = async () => {
    for (const c of closers) await c().catch(() => {});
  };
  try {
    const inline = await countedClient();
    clients.push(inline.client);
    closers.push(() => inline.client.quit());
    modes.push({
      name: "inline, Redis store",
      handler: createHandler({
        secret: SECRET,
        logger: silentLogger,
        store: createRedisStore({ client: inline.client, prefix: `agentref-webhooks-bench:${run}:`, ...STORE_SETTINGS }),
        on: noop,
      }),
      expect: 200,
      commands: inline.count,
    });
    const producer = await countedClient();
    clients.push(producer.client);
    const queue = new Queue(`agentref-webhooks-bench-${run}`, { connection: producer.client });
    closers.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
      await producer.client.quit();
    });
    modes.push({
      name: "queue (BullMQ)",
      handler: createHandler({ secret: SECRET, logger: silentLogger, enqueue: bullmqEnqueue(queue, { logger: silentLogger }) }),
      expect: 202,
      commands: producer.count,
    });
  } catch (err) {
    return { modes, clients, close, skipped: [{ mode: "Redis modes", note: `skipped: ${REDIS_URL} unreachable (${(err as Error).message})` }] };
  }
  return { modes, clients, close, skipped: [] };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

async function accept(mode: Mode): Promise<void> {
  const response = await mode.handler(delivery());
  if (response.status !== mode.expect) throw new Error(`${mode.name}: expected ${mode.expect}, got ${response.status} ${await response.text()}`);
}

async function measure(mode: Mode, options: Required<QueueBenchOptions>): Promise<QueueBenchRow> {
  for (let i = 0; i < 300; i++) await accept(mode); // warm-up: JIT, connections, script cache
  const before = mode.commands();
  const probes = 100;
  for (let i = 0; i < probes; i++) await accept(mode);
  const commands = (mode.commands() - before) / probes;

  const latencies: number[] = [];
  for (let i = 0; i < options.deliveries; i++) {
    const t0 = performance.now();
    await accept(mode);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);

  let accepted = 0;
  const started = performance.now();
  const deadline = started + options.throughputMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        await accept(mode);
        accepted++;
      }
    }),
  );
  return {
    mode: mode.name,
    deliveriesPerSec: (accepted / (performance.now() - started)) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    commands,
  };
}

/**
 * Measures, in one run, what createHandler accepts per second and per delivery in
 * inline mode with the in-memory store (not durable: the floor), inline mode with the
 * Redis store (claim + complete around a no-op handler), and queue mode (verify, parse,
 * one BullMQ add; the handler runs later in a worker). Every delivery is a new event.
 *
 * @example
 * console.log(formatQueueRows(await queueModeSection()));
 */
export async function queueModeSection(options: QueueBenchOptions = {}): Promise<QueueBenchRow[]> {
  const resolved = { deliveries: 2_000, concurrency: 32, throughputMs: 1_500, ...options };
  const opened = await openModes();
  const rows: QueueBenchRow[] = [];
  try {
    for (const mode of opened.modes) rows.push(await measure(mode, resolved));
  } finally {
    await opened.close();
  }
  return [...rows, ...opened.skipped];
}

const fixed = (value: number | undefined, digits: number) => (value === undefined ? "" : value.toFixed(digits));

/**
 * The rows as a markdown table, with the cost of durability: per-delivery time
 * (1 / throughput, and p50 latency) of each Redis mode minus the in-memory floor.
 *
 * @example
 * console.log(formatQueueRows(rows));
 */
export function formatQueueRows(rows: QueueBenchRow[]): string {
  const floor = rows.find((r) => r.mode === "inline, memory store");
  const lines = [
    "| mode | deliveries/s (32 in flight) | µs per delivery | vs memory | p50 (ms) | p99 (ms) | Redis commands / delivery |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    if (r.note !== undefined) {
      lines.push(`| ${r.mode} | ${r.note} | | | | | |`);
      continue;
    }
    const us = 1e6 / (r.deliveriesPerSec ?? Infinity);
    const floorUs = floor?.deliveriesPerSec ? 1e6 / floor.deliveriesPerSec : undefined;
    const delta = floorUs === undefined || r === floor ? "" : `+${(us - floorUs).toFixed(0)} µs`;
    lines.push(
      `| ${r.mode} | ${Math.round(r.deliveriesPerSec ?? 0).toLocaleString("en-US")} | ${us.toFixed(0)} | ${delta} | ` +
        `${fixed(r.p50Ms, 3)} | ${fixed(r.p99Ms, 3)} | ${fixed(r.commands, 1)} |`,
    );
  }
  return lines.join("\n");
}

const DESCRIPTION =
  "createHandler on one process, Redis on loopback, every delivery a new signed conversion.created event. " +
  "Inline mode runs a no-op handler between the store's claim and complete; queue mode verifies, parses and adds " +
  "one BullMQ job (answered 202; no worker runs during the measurement). The in-memory store is the non-durable " +
  "floor: the \"vs memory\" column is the cost of durability per delivery. µs per delivery = 1 / throughput with " +
  "32 deliveries in flight; p50/p99 are one delivery at a time.";

/**
 * Persistent clients for the harness case: their sockets are unref'd so the bench can
 * exit, and re-ref'd at exit to remove the queue's jobs and close.
 */
async function harnessCandidates(): Promise<Candidate[]> {
  const acceptOnce = (mode: Mode) => async () => {
    const response = await mode.handler(delivery());
    return response.status === mode.expect;
  };
  const opened = await openModes();
  const sockets = opened.clients.map((client) => (client as unknown as { stream: { ref(): void; unref(): void } }).stream);
  for (const socket of sockets) socket.unref();
  let closing = false;
  process.on("beforeExit", () => {
    if (closing) return;
    closing = true;
    for (const socket of sockets) socket.ref();
    void opened.close();
  });
  return opened.modes.map((mode) => ({ name: mode.name, fn: acceptOnce(mode) }));
}

/**
 * The section for `npm run bench -- queue`: the table of {@link queueModeSection} goes
 * into the description; the harness case times one delivery at a time per mode,
 * relative to inline mode with the Redis store.
 *
 * @example
 * const sections = { queue: queueBenchSection };
 */
export const queueBenchSection: BenchSection = {
  name: "queue",
  title: "Queue mode: deliveries accepted per second, verify + enqueue vs inline with the Redis store",
  description: DESCRIPTION,
  async cases(): Promise<BenchCase[]> {
    const table = formatQueueRows(await queueModeSection());
    console.log(table);
    this.description = `${DESCRIPTION}\n\n${table}`;
    const candidates = await harnessCandidates();
    if (candidates.length < 3) return [];
    return [{ name: "one delivery at a time", baseline: "inline, Redis store", candidates }];
  },
};

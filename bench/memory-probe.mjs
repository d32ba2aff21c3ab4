// Child process of the memory bench (bench/memory.ts), on the built package (imported
// by name, as an app does). Prints one JSON object. Two modes:
//   PROBE=alloc node --expose-gc --max-semi-space-size=<MB> --min-semi-space-size=<MB> bench/memory-probe.mjs
//     allocations: no garbage collection runs during a measured step, so the heap growth
//     over the step is everything it allocated, its peak;
//   PROBE=block node bench/memory-probe.mjs
//     the event loop's longest block, with Node's default heap settings (a young
//     generation sized for allocation measurements makes each scavenge far longer).
import { createHmac, timingSafeEqual } from "node:crypto";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { createHandler } from "agentref-webhooks";
import { sampleEvents } from "agentref-webhooks/testing";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
const timestamp = String(Math.floor(Date.now() / 1000));
const SMALL_RUNS = Number(process.env.SMALL_RUNS ?? 500);
const BLOCK_RUNS = Number(process.env.BLOCK_RUNS ?? 9);

let serial = 0;
/** A signed conversion.created delivery whose body is about `bytes` long (pretty-printed, as sent). */
function delivery(bytes) {
  const id = `msg_m${String(serial++).padStart(9, "0")}`;
  // A deep copy: line items are added to data below, and the sample is shared.
  const event = { ...structuredClone(sampleEvents["conversion.created"]), id };
  let body = JSON.stringify(event, null, 2);
  if (bytes > body.length) {
    // Line items fill a large delivery: many small objects, what JSON.parse works hardest on.
    const item = (i) => ({ sku: `sku_${String(i).padStart(6, "0")}`, quantity: i % 7, unitAmount: 1999, description: "Annual plan, seat" });
    event.data.lineItems = [item(0)];
    const one = JSON.stringify(event, null, 2).length;
    event.data.lineItems = [item(0), item(1)];
    const perItem = JSON.stringify(event, null, 2).length - one;
    event.data.lineItems = Array.from({ length: Math.floor((bytes - body.length) / perItem) }, (_, i) => item(i));
    body = JSON.stringify(event, null, 2);
  }
  const signature = `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64")}`;
  return { body, headers: { "content-type": "application/json", "svix-id": id, "svix-timestamp": timestamp, "svix-signature": signature } };
}

const request = ({ body, headers }) => new Request("http://localhost/webhooks/agentref", { method: "POST", headers, body });

/** The hand-written floor of the handler bench: read, HMAC, compare, JSON.parse, answer. */
async function floor(req) {
  const body = await req.text();
  const expected = Buffer.from(req.headers.get("svix-signature").slice(3), "base64");
  const digest = createHmac("sha256", key).update(`${req.headers.get("svix-id")}.${req.headers.get("svix-timestamp")}.`).update(body).digest();
  if (expected.length !== digest.length || !timingSafeEqual(digest, expected)) return new Response(null, { status: 401 });
  JSON.parse(body);
  return new Response('{"ok":true}', { status: 200, headers: { "content-type": "application/json" } });
}

const ours = createHandler({ secret: SECRET, logger: {}, on: { "conversion.created": () => {} } });
const candidates = { floor, createHandler: ours };

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ["gc"] });
const settle = () => new Promise((resolve) => setImmediate(resolve));
// GC entries reach the observer a little later: wait long enough for them to be counted.
const drain = () => new Promise((resolve) => setTimeout(resolve, 20));
const usage = () => {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers, external: m.external };
};

/** Bytes allocated by `run` (heap + ArrayBuffers), with no GC in between; gcs > 0 marks a disturbed run. */
async function allocated(run) {
  globalThis.gc();
  await drain();
  const gcsBefore = gcs;
  const before = usage();
  await run();
  const after = usage();
  await drain(); // let the observer report any GC that ran during `run`
  return { heap: after.heap - before.heap, buffers: after.buffers - before.buffers, gcs: gcs - gcsBefore };
}

async function check(response) {
  if (response.status !== 200) throw new Error(`memory probe: status ${response.status}`);
  await response.arrayBuffer();
}

const BIG = 1_000_000;
const result = { bodyBytes: Buffer.byteLength(delivery(BIG).body), smallBodyBytes: Buffer.byteLength(delivery(0).body) };

// Warm-up: JIT, the zod parser of the schema, the store, undici.
for (const handle of Object.values(candidates)) {
  for (let i = 0; i < 200; i++) await check(await handle(request(delivery(0))));
  for (let i = 0; i < 3; i++) await check(await handle(request(delivery(BIG))));
}

const mode = process.env.PROBE ?? "alloc";

// 1. One 1 MB delivery: peak heap growth (everything allocated; nothing collected meanwhile).
if (mode === "alloc") for (const [name, handle] of Object.entries(candidates)) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const big = delivery(BIG);
    runs.push(await allocated(async () => check(await handle(request(big)))));
  }
  result[`big:${name}`] = runs;
}

// 2. Bytes allocated per 0.4 KB delivery (Request and Response included, as the handler bench).
if (mode === "alloc") for (const [name, handle] of Object.entries(candidates)) {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const small = Array.from({ length: SMALL_RUNS }, () => delivery(0));
    runs.push(
      await allocated(async () => {
        for (const d of small) await check(await handle(request(d)));
      }),
    );
  }
  result[`small:${name}`] = runs.map((r) => ({ ...r, heap: r.heap / SMALL_RUNS, buffers: r.buffers / SMALL_RUNS }));
}

// 3. The event loop's longest block during one 1 MB delivery: a setImmediate ticker
//    records the longest gap between two of its turns, in wall time and in this
//    process's CPU time (which leaves out time the process spent descheduled, on a
//    shared machine a large part of any wall-time maximum).
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
async function longestBlock(run) {
  let last = performance.now();
  let lastCpu = cpuMs();
  let longest = 0;
  let longestCpu = 0;
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    const cpu = cpuMs();
    longest = Math.max(longest, now - last);
    longestCpu = Math.max(longestCpu, cpu - lastCpu);
    last = now;
    lastCpu = cpu;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  await settle();
  longest = 0;
  longestCpu = 0;
  last = performance.now();
  lastCpu = cpuMs();
  await run();
  await settle();
  ticking = false;
  return { wall: longest, cpu: longestCpu };
}
if (mode === "block") for (const [name, handle] of Object.entries(candidates)) {
  const runs = [];
  for (let i = 0; i < BLOCK_RUNS; i++) {
    const big = delivery(BIG);
    const req = request(big);
    runs.push(await longestBlock(async () => check(await handle(req))));
  }
  result[`block:${name}`] = runs;
}

// The floor's synchronous work on the same 1 MB body: HMAC + JSON.parse, back to back.
const hmacParse = [];
if (mode === "block") for (let i = 0; i < BLOCK_RUNS; i++) {
  const { body, headers } = delivery(BIG);
  const t0 = performance.now();
  const c0 = cpuMs();
  createHmac("sha256", key).update(`${headers["svix-id"]}.${timestamp}.`).update(body).digest();
  JSON.parse(body);
  hmacParse.push({ wall: performance.now() - t0, cpu: cpuMs() - c0 });
}
if (mode === "block") result.hmacParse = hmacParse;

process.stdout.write(JSON.stringify(result));

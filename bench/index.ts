import { existsSync, readFileSync, writeFileSync } from "node:fs";
import {
  defaultRunOptions,
  formatMachine,
  machineInfo,
  runSection,
  sectionMarkdown,
  type BenchSection,
  type RunOptions,
  type SectionResult,
} from "./harness.js";
// Every known section. Adding one is one line here. Sections load lazily: a section's
// imports (drivers, servers, the whole SDK) would otherwise sit in the heap of every
// other section's run and skew its GC-sensitive numbers.
const sections: Record<string, () => Promise<BenchSection>> = {
  verify: async () => (await import("./verify.js")).verifySection,
  stores: async () => (await import("./stores.js")).storesBenchSection,
  queue: async () => (await import("./queue.js")).queueBenchSection,
  handler: async () => (await import("./handler.js")).handlerSection,
  "cold-start": async () => (await import("./cold-start.js")).coldStartSection,
  validation: async () => (await import("./validation.js")).validationSection,
  memory: async () => (await import("./memory.js")).memorySection,
  "bundle-size": async () => (await import("./bundle-size.js")).bundleSizeSection,
};

// Versions printed with the machine, so a table says what it was measured against.
const packages = ["standardwebhooks", "svix", "typescript", "zod"];

const usage = `usage: npm run bench -- [section ...] [--rounds N] [--ms N] [--markdown FILE]
sections: ${Object.keys(sections).join(", ")} (default: all)`;

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
const machine = formatMachine(machineInfo(packages));
console.log(machine);
const results: SectionResult[] = [];
for (const name of names) results.push(await runSection(await sections[name]!(), options, console.log));

if (markdown) {
  const command = `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim();
  const header = [
    "# Benchmarks",
    "",
    "Each section below was written by `npm run bench -- <section> --markdown BENCHMARKS.md`, which replaces",
    "only that section's block, so sections can be refreshed one at a time. The machine is shared: absolute",
    "numbers drift between runs; ratios measured per round, interleaved, are the stable figure.",
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
  writeFileSync(markdown, text);
  console.log(`\nwrote ${markdown}`);
}

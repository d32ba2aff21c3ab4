import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { performance } from "node:perf_hooks";
import { ensureBuilt, root } from "./build.js";
import { BENCH_SECRET, signedPool } from "./handler-fixtures.js";
import type { BenchSection, ReportTable, SectionResult, TargetCheck } from "./harness.js";

// Every figure here comes from fresh Node processes started one after another, the
// candidates interleaved (round 1: a, b, c…; round 2: b, c, …, a), so that load from
// other tenants of the machine spreads over all of them. Medians over the runs.
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 20);

/** Modules whose `import()` is timed, ours from the built package (by name, through "exports"). */
const modules = [
  "agentref-webhooks",
  "agentref-webhooks/verify",
  "agentref-webhooks/node",
  "agentref-webhooks/testing",
  "zod",
  "svix",
  "standardwebhooks",
  "@octokit/webhooks",
  // For reference: a built-in this package loads (under Node) and zod does not.
  "node:crypto",
] as const;

/** What each candidate does in a fresh process to get its first verified, parsed delivery. */
const firstDelivery: Record<string, string> = {
  "constructEvent (verify + typed, validated event)": `
    const { constructEvent } = await import("agentref-webhooks");
    const event = await constructEvent({ body, headers, secret });
    if (event.type !== "conversion.created") throw new Error("wrong event");`,
  "createHandler (Request in, Response out)": `
    const { createHandler } = await import("agentref-webhooks");
    const handler = createHandler({ secret, logger: {}, on: { "conversion.created": () => {} } });
    const response = await handler(new Request("http://localhost/webhooks", { method: "POST", headers, body }));
    if (response.status !== 200) throw new Error("status " + response.status);`,
  "agentref-webhooks/verify verifyWebhook (+ JSON.parse)": `
    const { verifyWebhook } = await import("agentref-webhooks/verify");
    const event = JSON.parse((await verifyWebhook({ body, headers, secret })).body);
    if (event.type !== "conversion.created") throw new Error("wrong event");`,
  "standardwebhooks verify (+ JSON.parse)": `
    const { Webhook } = await import("standardwebhooks");
    const event = new Webhook(secret.slice("whsec_".length)).verify(body, headers);
    if (event.type !== "conversion.created") throw new Error("wrong event");`,
  "svix verify (+ JSON.parse)": `
    const { Webhook } = await import("svix");
    const event = new Webhook(secret).verify(body, headers);
    if (event.type !== "conversion.created") throw new Error("wrong event");`,
  "svix verify + zod schema": `
    const [{ Webhook }, { z }] = await Promise.all([import("svix"), import("zod")]);
    const schema = z.looseObject({ id: z.string(), type: z.literal("conversion.created"), createdAt: z.string(), merchantId: z.string(),
      data: z.looseObject({ id: z.string(), affiliateId: z.string(), amount: z.number(), currency: z.string(), commissionAmount: z.number(), status: z.string() }) });
    schema.parse(new Webhook(secret).verify(body, headers));`,
  "@octokit/webhooks verify (+ JSON.parse)": `
    const { Webhooks } = await import("@octokit/webhooks");
    if (!(await new Webhooks({ secret: "octokit-secret" }).verify(body, octokitSignature))) throw new Error("bad signature");
    if (JSON.parse(body).type !== "conversion.created") throw new Error("wrong event");`,
};

interface ChildTimes {
  /** Time inside the process, from before the first import to done. */
  ms: number;
  /** Time since the process started (performance.now() in the child) when done. */
  sinceStart: number;
  /** Wall time from spawn to exit, seen from the parent. */
  wall: number;
}

function runChild(code: string, env: Record<string, string> = {}): Promise<ChildTimes> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const wall = performance.now() - started;
      if (code !== 0) return reject(new Error(`cold-start child failed (${code}): ${err.trim().split("\n").slice(-3).join(" ")}`));
      const times = JSON.parse(out) as Omit<ChildTimes, "wall">;
      resolve({ ...times, wall });
    });
  });
}

const timed = (body: string) =>
  `const t0 = performance.now();\n${body}\nconst t1 = performance.now();\nprocess.stdout.write(JSON.stringify({ ms: t1 - t0, sinceStart: t1 }));`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const ms = (value: number) => value.toFixed(1);

/** A fresh delivery per round: the timestamp must stay within the 5-minute tolerance. */
function delivery(round: number) {
  const { body, headers } = signedPool(1, `c${round}`).delivery(0);
  const both = {
    ...headers,
    "webhook-id": headers["svix-id"],
    "webhook-timestamp": headers["svix-timestamp"],
    "webhook-signature": headers["svix-signature"],
  };
  const octokitSignature = `sha256=${createHmac("sha256", "octokit-secret").update(body).digest("hex")}`;
  return JSON.stringify({ body, headers: both, secret: BENCH_SECRET, octokitSignature });
}

const prelude = `const { body, headers, secret, octokitSignature } = JSON.parse(process.env.BENCH_DELIVERY);`;

async function interleaved<K extends string>(names: readonly K[], run: (name: K, round: number) => Promise<ChildTimes>, log: (line: string) => void) {
  const results = Object.fromEntries(names.map((n) => [n, [] as ChildTimes[]])) as Record<K, ChildTimes[]>;
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length]!;
      results[name].push(await run(name, round));
    }
    if ((round + 1) % 5 === 0) log(`  ${round + 1}/${RUNS} rounds`);
  }
  return results;
}

let importMedians: Record<string, number> = {};
let oursOverZod: number | undefined;
let verifyOverReference: number | undefined;

/** How far the verification-only entry's cold import may sit above `standardwebhooks`'s. */
const VERIFY_ENTRY_MARGIN_MS = 5;

/**
 * Cold start: `import()` time of the built package and its peers, each in fresh Node
 * processes, and the time from a process's first line to its first verified, parsed delivery.
 *
 * @example
 * await runSection(coldStartSection, defaultRunOptions, console.log);
 */
export const coldStartSection: BenchSection = {
  name: "cold-start",
  title: "Cold start: import time and first delivery",
  description:
    `Each figure is the median of ${RUNS} fresh Node processes, started one after another with the candidates interleaved. ` +
    "Our package is imported by name from the built `dist/` (through package.json \"exports\", as an app gets it; the section builds it first when `src/` is newer). " +
    "Import time is measured inside the process around `await import(name)`; \"ready at\" is the time since the process started when the import is done; " +
    "\"process\" is the wall time from spawn to exit as the parent sees it, for comparison with an empty `node -e \"\"`. " +
    "First delivery: from the process's first line to a verified and parsed `conversion.created` delivery (0.4 KB), imports included.",
  cases: () => [],
  async tables(_options, log) {
    ensureBuilt(log);
    log(`cold start: ${RUNS} rounds of ${modules.length + 1} imports`);
    const empty = "process.stdout.write(JSON.stringify({ ms: 0, sinceStart: performance.now() }));";
    const importNames = ["(empty process)", ...modules] as const;
    const imports = await interleaved(importNames, (name) => runChild(name === "(empty process)" ? empty : timed(`await import(${JSON.stringify(name)});`)), log);
    importMedians = Object.fromEntries(importNames.map((n) => [n, median(imports[n].map((t) => t.ms))]));
    // Against zod: the median of per-round differences (each round runs both close in time).
    const versus = (n: (typeof importNames)[number], peer: (typeof importNames)[number]) =>
      median(imports[n].map((t, round) => t.ms - imports[peer][round]!.ms));
    const vsZod = (n: (typeof importNames)[number]) => versus(n, "zod");
    oursOverZod = vsZod("agentref-webhooks");
    verifyOverReference = versus("agentref-webhooks/verify", "standardwebhooks");
    const importTable: ReportTable = {
      caption: `Import time (median of ${RUNS} fresh processes)`,
      columns: ["module", "import (ms)", "vs zod alone (median per-round difference)", "ready at (ms since start)", "process (ms)"],
      rows: importNames.map((n) => [
        n === "(empty process)" ? "empty `node -e \"\"`" : `\`${n}\``,
        n === "(empty process)" ? "-" : ms(importMedians[n]!),
        n === "(empty process)" ? "-" : `${vsZod(n) >= 0 ? "+" : ""}${ms(vsZod(n))} ms`,
        ms(median(imports[n].map((t) => t.sinceStart))),
        ms(median(imports[n].map((t) => t.wall))),
      ]),
    };

    log(`cold start: ${RUNS} rounds of ${Object.keys(firstDelivery).length} first deliveries`);
    const names = Object.keys(firstDelivery);
    const firsts = await interleaved(names, (name, round) => runChild(timed(`${prelude}\n${firstDelivery[name]}`), { BENCH_DELIVERY: delivery(round) }), log);
    const firstTable: ReportTable = {
      caption: `Time to the first verified, parsed delivery in a fresh process (median of ${RUNS})`,
      columns: ["candidate", "first delivery (ms)", "ready at (ms since start)"],
      rows: names.map((n) => [n, ms(median(firsts[n]!.map((t) => t.ms))), ms(median(firsts[n]!.map((t) => t.sinceStart)))]),
    };
    return [importTable, firstTable];
  },
  targets(_result: SectionResult): TargetCheck[] {
    const ours = importMedians["agentref-webhooks"];
    const zod = importMedians.zod;
    const verifyEntry = importMedians["agentref-webhooks/verify"];
    const reference = importMedians.standardwebhooks;
    if (ours === undefined || zod === undefined || oursOverZod === undefined) return [];
    const met = oursOverZod <= 10;
    const checks: TargetCheck[] = [
      {
        target: 'cold import of "agentref-webhooks" <= zod\'s import + 10 ms',
        measured: `${ms(ours)} ms vs zod ${ms(zod)} ms (median difference per round +${ms(oursOverZod)} ms)`,
        met,
        ...(met ? {} : { note: "building the 13 lenient zod schemas and loading the catalog's module files; see the notes" }),
      },
    ];
    if (verifyEntry !== undefined && reference !== undefined && verifyOverReference !== undefined) {
      const verifyMet = verifyOverReference <= VERIFY_ENTRY_MARGIN_MS;
      checks.push({
        target: `cold import of "agentref-webhooks/verify" <= standardwebhooks's import + ${VERIFY_ENTRY_MARGIN_MS} ms`,
        measured: `${ms(verifyEntry)} ms vs standardwebhooks ${ms(reference)} ms (median difference per round ${verifyOverReference >= 0 ? "+" : ""}${ms(verifyOverReference)} ms)`,
        met: verifyMet,
        ...(verifyMet
          ? {}
          : {
              note:
                "the entry is one file; what remains is node:crypto (standardwebhooks hashes in JavaScript and loads no built-in) and Node's first resolution through package.json \"exports\" (standardwebhooks has none); see the notes",
            }),
      });
    }
    return checks;
  },
};

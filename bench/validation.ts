import { spawn } from "node:child_process";
import { z } from "zod";
import { eventSchemas, parseEvent, strictEventSchemas } from "agentref-webhooks";

const conversionCreatedSchema = eventSchemas["conversion.created"];
import { ensureBuilt, root } from "./build.js";
import { signedPool } from "./handler-fixtures.js";
import type { BenchCase, BenchSection, ReportTable } from "./harness.js";

// The 0.4 KB conversion.created envelope of the handler bench.
const body = signedPool(1, "v").delivery(0).body;

// The same event with every open enum (known values or any string) written as a plain
// string: what parsing would cost without the `enum | string` unions that keep the
// known values in the types and in the JSON Schemas.
const plainStrings = z.looseObject({
  id: z.string().min(1),
  type: z.literal("conversion.created"),
  schemaVersion: z.literal(2),
  createdAt: z.string(),
  merchantId: z.string(),
  programId: z.string().optional(),
  environment: z.string(),
  data: z.looseObject({
    id: z.string(),
    affiliateId: z.string(),
    amount: z.number(),
    currency: z.string(),
    commissionAmount: z.number(),
    status: z.string(),
    externalId: z.string().optional(),
    createdAt: z.string().optional(),
  }),
});

const strict = strictEventSchemas["conversion.created"];

function check(result: { success: boolean }): true {
  if (!result.success) throw new Error("validation bench: a candidate rejected the envelope");
  return true;
}

const validationCase: BenchCase = {
  name: `conversion.created envelope (${Buffer.byteLength(body)} B), string in, event out`,
  baseline: "JSON.parse",
  clock: "cpu",
  candidates: [
    { name: "JSON.parse", fn: () => JSON.parse(body) },
    { name: "parseEvent (ours)", fn: () => parseEvent(body) },
    { name: "JSON.parse + schema.safeParse", fn: () => check(conversionCreatedSchema.safeParse(JSON.parse(body))) },
    // What runs where `new Function` is not allowed (Cloudflare Workers and other CSP-bound runtimes).
    { name: "… jitless", fn: () => check(conversionCreatedSchema.safeParse(JSON.parse(body), { jitless: true } as never)) },
    { name: "… open enums as plain strings", fn: () => check(plainStrings.safeParse(JSON.parse(body))) },
    { name: "… strict schema", fn: () => check(strict.safeParse(JSON.parse(body))) },
  ],
};

interface Deferred {
  importMs: number;
  strictCatalogMs: number;
  providerStrictMs: number;
  firstParseMs: number;
  secondParseMs: number;
}

/** In a fresh process on the built package: what import builds, and what it leaves for later. */
function deferredCosts(): Promise<Deferred> {
  const code = `
    const t0 = performance.now();
    const m = await import("agentref-webhooks");
    const t1 = performance.now();
    Object.values(m.strictEventSchemas);
    const t2 = performance.now();
    Object.values(m.agentref.strictEvents);
    const t3 = performance.now();
    m.parseEvent(process.env.BENCH_BODY);
    const t4 = performance.now();
    m.parseEvent(process.env.BENCH_BODY);
    const t5 = performance.now();
    process.stdout.write(JSON.stringify({ importMs: t1 - t0, strictCatalogMs: t2 - t1, providerStrictMs: t3 - t2, firstParseMs: t4 - t3, secondParseMs: t5 - t4 }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
      cwd: root,
      env: { ...process.env, BENCH_BODY: body },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (status) => (status === 0 ? resolve(JSON.parse(out) as Deferred) : reject(new Error(`validation child exited ${status}`))));
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
};

/**
 * Event validation: our `parseEvent` against a bare `JSON.parse`, zod's paths (JIT,
 * jitless, strict), and what import leaves for first use.
 *
 * @example
 * await runSection(validationSection, defaultRunOptions, console.log);
 */
export const validationSection: BenchSection = {
  name: "validation",
  title: "Event validation: parseEvent vs JSON.parse",
  description:
    "Per delivery, for the 0.4 KB `conversion.created` envelope given as a string: `JSON.parse` alone (the floor: no validation), " +
    "our `parseEvent` (JSON.parse once, schemaVersion check, the event's lenient zod schema), and zod's variants on the same parsed value: " +
    "its default path (zod 4 compiles a parser per object schema with `new Function` on first use and caches it), jitless (what runs where " +
    "`new Function` is forbidden, e.g. Cloudflare Workers), the same event with open enums written as plain strings (the cost of the `enum | string` unions), " +
    "and the strict schema (tests only).",
  cases: () => [validationCase],
  async tables(options, log) {
    ensureBuilt(log);
    const runs: Deferred[] = [];
    for (let i = 0; i < Math.max(5, Math.min(options.rounds, 15)); i++) runs.push(await deferredCosts());
    const row = (label: string, key: keyof Deferred, note: string) => [label, median(runs.map((r) => r[key])).toFixed(2), note];
    return [
      {
        caption: `Built once, in a fresh process (built package, median of ${runs.length} processes)`,
        columns: ["step", "ms", "when"],
        rows: [
          row('`import("agentref-webhooks")` (zod included)', "importMs", "at import: zod and the 13 lenient event schemas"),
          row("the 13 strict event schemas (`strictEventSchemas`)", "strictCatalogMs", "on first strict use, not at import"),
          row("`agentref.strictEvents`", "providerStrictMs", "on first strict use, not at import"),
          row("first `parseEvent` of a type", "firstParseMs", "zod compiles that schema's parser"),
          row("second `parseEvent`", "secondParseMs", "steady state"),
        ],
        notes: [
          "Strict schemas used to be derived at import (twice: the catalog and the provider); they are now built on first access and kept.",
        ],
      } satisfies ReportTable,
    ];
  },
};

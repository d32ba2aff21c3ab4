// The long fuzz run (`npm run fuzz`): the same properties as test/fuzz/ in `npm test`,
// with many more runs and a random seed (printed, so a failure can be replayed).
//
//   npm run fuzz                          # 5,000 runs per property, random seed
//   npm run fuzz -- --runs 50000          # or FUZZ_RUNS=50000
//   npm run fuzz -- --seed 123456         # or FUZZ_SEED=123456: replay a run
//   npm run fuzz -- --only differential   # properties whose name contains the text
//   npm run fuzz -- --minutes 10          # stop starting new properties after 10 minutes
//
// A failure prints the property, the seed, the shrunk counterexample and the
// `path` fast-check needs to replay it; the exit code is 1.
import fc from "fast-check";
import { assertNoPollution, checkSignedBody, deepBodies, fuzzProperties } from "../test/fuzz/properties.js";

function option(name: string, env: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  if (at >= 0) return process.argv[at + 1];
  return process.env[env];
}

function positive(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`--${what} must be a positive integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

const runs = positive(option("runs", "FUZZ_RUNS"), 5_000, "runs");
const seed = positive(option("seed", "FUZZ_SEED"), Math.floor(Math.random() * 0x7fffffff) + 1, "seed");
const minutes = positive(option("minutes", "FUZZ_MINUTES"), 30, "minutes");
const only = option("only", "FUZZ_ONLY");
const deadline = Date.now() + minutes * 60_000;

const selected = fuzzProperties.filter((p) => only === undefined || p.name.includes(only));
if (selected.length === 0) {
  console.error(`no property matches ${JSON.stringify(only)}; properties:\n${fuzzProperties.map((p) => `  ${p.name}`).join("\n")}`);
  process.exit(2);
}

console.log(`fuzz: seed ${seed}, ${runs} runs per property (scaled by cost), ${selected.length} properties, at most ${minutes} min`);
console.log(`replay with: npm run fuzz -- --seed ${seed} --runs ${runs}${only ? ` --only ${JSON.stringify(only)}` : ""}\n`);

let failed = false;
for (const [index, p] of fuzzProperties.entries()) {
  if (!selected.includes(p)) continue;
  if (Date.now() > deadline) {
    console.log(`- ${p.name}: skipped (time budget spent)`);
    continue;
  }
  const numRuns = Math.max(20, Math.round(runs / p.weight));
  const started = Date.now();
  // Same per-property seed derivation as test/fuzz/handler.fuzz.test.ts.
  const result = await fc.check(p.property, { seed: seed + index, numRuns, interruptAfterTimeLimit: Math.max(1_000, deadline - Date.now()) });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.failed) {
    failed = true;
    console.log(`✗ ${p.name} (${seconds} s)`);
    console.log(fc.defaultReportMessage(result) ?? String(result.errorInstance));
    console.log();
  } else {
    console.log(`✓ ${p.name}: ${result.numRuns} runs${result.interrupted ? " (interrupted by the time budget)" : ""}, ${result.numSkips} skipped, ${seconds} s`);
  }
}

if (only === undefined || "deep nesting".includes(only)) {
  for (const body of deepBodies) {
    try {
      const answer = await checkSignedBody(body);
      if (![200, 422].includes(answer.status)) throw new Error(`answered ${answer.status}: ${answer.text.slice(0, 200)}`);
      console.log(`✓ ${body.label}: ${answer.status}`);
    } catch (error) {
      failed = true;
      console.log(`✗ ${body.label}: ${(error as Error).message}`);
    }
  }
}

assertNoPollution();
console.log(failed ? `\nFAILED (seed ${seed})` : `\nall properties held (seed ${seed})`);
process.exit(failed ? 1 : 0);

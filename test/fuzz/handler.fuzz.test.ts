// Bounded fuzzing of createHandler in `npm test`: fixed seed, bounded runs.
// The properties live in ./properties.ts (shared with `npm run fuzz`, which runs
// them longer with a random seed). FUZZ_SEED / FUZZ_RUNS override the defaults.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertNoPollution, checkSignedBody, deepBodies, fuzzProperties } from "./properties.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_521);
const RUNS = Number(process.env.FUZZ_RUNS ?? 250);

describe("fuzz: createHandler answers hostile input with a documented status", () => {
  fuzzProperties.forEach((p, index) => {
    it(p.name, async () => {
      // Each property gets its own seed so that adding one does not reshuffle the others.
      await fc.assert(p.property, { seed: SEED + index, numRuns: Math.max(20, Math.round(RUNS / p.weight)), endOnFailure: true });
      assertNoPollution();
    });
  });
});

describe("signed bodies nested 100k deep (JSON.parse / validation recursion)", () => {
  it.each(deepBodies.map((b) => [b.label, b] as const))("%s → 200 or 422, never a crash", async (_label, body) => {
    const answer = await checkSignedBody(body);
    expect([200, 422]).toContain(answer.status);
    expect(answer.runs).toBe(answer.status === 200 ? 1 : 0);
  });
});
